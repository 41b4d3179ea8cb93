SELECT
  campaign_id,
  email_id,
  send_day,
  "segment",
  CAST(CASE
    WHEN since < 0
    THEN -1
    WHEN since >= 259200000000
    THEN 72
    ELSE CAST(TRUNC(CAST(since AS DOUBLE PRECISION) / 3600000000) AS BIGINT)
  END AS BIGINT) AS bin,
  COUNT(*) FILTER(WHERE
    is_open) AS opens,
  COUNT(*) FILTER(WHERE
    NOT is_open) AS clicks,
  COUNT(*) FILTER(WHERE
    is_open AND is_first) AS opened,
  COUNT(*) FILTER(WHERE
    NOT is_open AND is_first) AS clicked,
  COUNT(*) FILTER(WHERE
    is_open AND NOT is_machine_open) AS human_opens,
  COUNT(*) FILTER(WHERE
    is_open AND NOT is_machine_open AND is_first_human) AS human_opened
FROM (
  SELECT
    e.campaign_id,
    e.email_id,
    e.lead_id,
    CAST(r.first_sent_at AT TIME ZONE 'Europe/Stockholm' AS DATE) AS send_day,
    COALESCE(CAST(l."segment" AS VARCHAR(MAX)), '(unknown)') AS "segment",
    e.event_type = 'open' AS is_open,
    ROW_NUMBER() OVER (
      PARTITION BY e.campaign_id, e.email_id, e.lead_id, e.event_type
      ORDER BY e."timestamp"
    ) = 1 AS is_first,
    e.is_machine_open,
    ROW_NUMBER() OVER (
      PARTITION BY e.campaign_id, e.email_id, e.lead_id, e.event_type, e.is_machine_open
      ORDER BY e."timestamp"
    ) = 1 AS is_first_human,
    DATEDIFF(MICROSECOND, r.first_sent_at, e."timestamp") AS since,
    CAST((
      (
        DATEDIFF(
          DAY,
          CAST('1970-01-05' AS DATE),
          CAST(e."timestamp" AT TIME ZONE 'Europe/Stockholm' AS DATE)
        ) % 7
      ) + 7
    ) % 7 AS BIGINT) AS weekday,
    CAST(EXTRACT(HOUR FROM e."timestamp" AT TIME ZONE 'Europe/Stockholm') AS BIGINT) AS hour,
    e.link
  FROM (
    SELECT
      *,
      "timestamp" >= CAST('2026-03-01T00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
      AND "timestamp" < CAST('2026-04-01T00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE) AS f,
      event_type = 'click' AND COALESCE(link ~* 'unsubscribe|opt-?out', FALSE) AS unsub_link
    FROM (
      SELECT
        campaign_id,
        email_id,
        lead_id,
        event_type,
        "timestamp",
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
            CAST(FLOOR(DATE_PART('epoch', "timestamp")) AS BIGINT) AS sec
          FROM (
            SELECT
              campaign_id,
              email_id,
              lead_id,
              event_type,
              "timestamp",
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
              "timestamp" <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMP WITH TIME ZONE)
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
        "timestamp",
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
          "timestamp",
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
          "timestamp" <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMP WITH TIME ZONE)
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
  LEFT JOIN leads AS l
    ON l.lead_id = r.lead_id
  WHERE
    e.f
    AND (
      e.event_type = 'open' OR (
        e.event_type = 'click' AND NOT e.unsub_link
      )
    )
)
WHERE
  NOT since IS NULL
GROUP BY
  1,
  2,
  3,
  4,
  5
ORDER BY
  1,
  2,
  3,
  4,
  5
