SELECT
  e.campaign_id,
  e.email_id,
  e.lead_id,
  e.event_type,
  e.timestamp,
  e.link,
  e.is_bot,
  e.bot_reason,
  e.is_machine_open,
  e.unsub_link,
  r.first_sent_at,
  CAST(CONVERT_TIMEZONE('Europe/Stockholm', r.first_sent_at) AS DATE) AS send_day
FROM (
  SELECT
    *,
    timestamp >= CAST('2026-03-01T00:00:00+00:00' AS TIMESTAMPTZ)
    AND timestamp < CAST('2026-04-01T00:00:00+00:00' AS TIMESTAMPTZ) AS f,
    event_type = 'click'
    AND COALESCE(REGEXP_INSTR(link, 'unsubscribe|opt-?out', 1, 1, 0, 'i') > 0, FALSE) AS unsub_link
  FROM (
    SELECT
      campaign_id,
      email_id,
      lead_id,
      event_type,
      timestamp,
      link,
      is_bot OR close AS is_bot,
      CASE WHEN is_bot THEN bot_reason WHEN close THEN 'proximity' END AS bot_reason,
      is_machine_open,
      user_agent,
      ip,
      client,
      os,
      device,
      country
    FROM (
      SELECT
        *,
        COALESCE(
          sec - LAG(sec) OVER (PARTITION BY campaign_id, email_id, lead_id ORDER BY sec) <= 1,
          FALSE
        )
        OR COALESCE(
          LEAD(sec) OVER (PARTITION BY campaign_id, email_id, lead_id ORDER BY sec) <= sec + 1,
          FALSE
        ) AS close
      FROM (
        SELECT
          *,
          CAST(FLOOR(EXTRACT(epoch_second FROM timestamp)) AS BIGINT) AS sec
        FROM (
          SELECT
            campaign_id,
            email_id,
            lead_id,
            event_type,
            timestamp,
            link,
            COALESCE(is_bot, FALSE) OR (
              event_type IN ('open', 'click') AND FALSE
            ) AS is_bot,
            CASE
              WHEN COALESCE(is_bot, FALSE) AND event_type IN ('open', 'click')
              THEN COALESCE(bot_reason, 'source')
              WHEN event_type IN ('open', 'click') AND FALSE
              THEN 'list'
            END AS bot_reason,
            (
              event_type = 'open'
              AND (
                COALESCE(is_machine_open, FALSE)
                OR COALESCE(user_agent IN ('Mozilla/5.0'), FALSE)
              )
            ) AS is_machine_open,
            user_agent,
            ip,
            client,
            os,
            device,
            country
          FROM events
          WHERE
            timestamp <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)
        )
        WHERE
          event_type IN ('open', 'click')
      )
    )
    UNION ALL
    SELECT
      campaign_id,
      email_id,
      lead_id,
      event_type,
      timestamp,
      link,
      is_bot,
      bot_reason,
      is_machine_open,
      user_agent,
      ip,
      client,
      os,
      device,
      country
    FROM (
      SELECT
        campaign_id,
        email_id,
        lead_id,
        event_type,
        timestamp,
        link,
        COALESCE(is_bot, FALSE) OR (
          event_type IN ('open', 'click') AND FALSE
        ) AS is_bot,
        CASE
          WHEN COALESCE(is_bot, FALSE) AND event_type IN ('open', 'click')
          THEN COALESCE(bot_reason, 'source')
          WHEN event_type IN ('open', 'click') AND FALSE
          THEN 'list'
        END AS bot_reason,
        (
          event_type = 'open'
          AND (
            COALESCE(is_machine_open, FALSE)
            OR COALESCE(user_agent IN ('Mozilla/5.0'), FALSE)
          )
        ) AS is_machine_open,
        user_agent,
        ip,
        client,
        os,
        device,
        country
      FROM events
      WHERE
        timestamp <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)
    )
    WHERE
      NOT event_type IN ('open', 'click')
  )
  WHERE
    NOT (
      (
        is_bot AND event_type IN ('open', 'click')
      )
    )
) AS e
JOIN records AS r
  ON e.campaign_id = r.campaign_id
  AND e.email_id = r.email_id
  AND e.lead_id = r.lead_id
WHERE
  e.f AND r.first_sent_at >= CAST('2026-03-24T23:59:59+00:00' AS TIMESTAMPTZ)
ORDER BY
  e.timestamp
