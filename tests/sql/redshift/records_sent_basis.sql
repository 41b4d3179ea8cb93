WITH agg AS (
  SELECT
    *,
    COALESCE(kinds, 0) AS k
  FROM (
    SELECT
      campaign_id,
      email_id,
      lead_id,
      MIN("timestamp") FILTER(WHERE
        event_type = 'sent') AS first_sent_at,
      BIT_OR(
        CAST(CASE event_type
          WHEN 'sent'
          THEN 1
          WHEN 'delivered'
          THEN 2
          WHEN 'hard_bounce'
          THEN 4
          WHEN 'soft_bounce'
          THEN 8
          WHEN 'open'
          THEN 16
          WHEN 'click'
          THEN 32
          WHEN 'unsubscribe'
          THEN 64
          WHEN 'complaint'
          THEN 128
        END AS SMALLINT)
      ) AS kinds,
      CAST(COUNT(*) FILTER(WHERE
        event_type = 'open') AS INTEGER) AS total_opens,
      CAST(COUNT(*) FILTER(WHERE
        event_type = 'click' AND NOT unsub_link) AS INTEGER) AS total_clicks,
      CAST(COUNT(*) FILTER(WHERE
        is_machine_open) AS INTEGER) AS machine_opens
    FROM (
      SELECT
        *,
        TRUE AS f,
        event_type = 'click' AND COALESCE(link ~* 'unsubscribe|opt-?out', FALSE) AS unsub_link
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
        TRUE
    )
    GROUP BY
      campaign_id,
      email_id,
      lead_id
  )
  WHERE
    NOT first_sent_at IS NULL
), eng AS (
  SELECT
    *,
    (
      total_opens > 0 OR total_clicks > 0 OR (
        k & 64 <> 0
      )
    ) AS is_opened
  FROM agg
)
SELECT
  campaign_id,
  email_id,
  lead_id,
  first_sent_at,
  CAST(NOT first_sent_at IS NULL AS INTEGER) AS sent,
  CAST(is_opened
  OR (
    NOT (
      k & 4 <> 0
    )
    AND NOT (
      k & 8 <> 0
    )
    AND (
      (
        k & 2 <> 0
      ) OR (
        k & 128 <> 0
      )
    )
  ) AS INTEGER) AS delivered,
  CAST(NOT is_opened AND (
    k & 4 <> 0
  ) AS INTEGER) AS hard_bounced,
  CAST(NOT is_opened AND NOT (
    k & 4 <> 0
  ) AND (
    k & 8 <> 0
  ) AS INTEGER) AS soft_bounced,
  CAST(NOT is_opened
  AND NOT (
    k & 4 <> 0
  )
  AND NOT (
    k & 8 <> 0
  )
  AND NOT (
    k & 2 <> 0
  )
  AND NOT (
    k & 128 <> 0
  )
  AND NOT first_sent_at IS NULL
  AND first_sent_at > CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMP WITH TIME ZONE) - INTERVAL '72 HOUR' AS INTEGER) AS pending,
  CAST(NOT is_opened
  AND NOT (
    k & 4 <> 0
  )
  AND NOT (
    k & 8 <> 0
  )
  AND NOT (
    k & 2 <> 0
  )
  AND NOT (
    k & 128 <> 0
  )
  AND NOT first_sent_at IS NULL
  AND first_sent_at <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMP WITH TIME ZONE) - INTERVAL '72 HOUR' AS INTEGER) AS aborted,
  CAST(is_opened AS INTEGER) AS opened,
  CAST(total_clicks > 0 AS INTEGER) AS clicked,
  CAST((
    k & 64 <> 0
  ) AS INTEGER) AS unsubscribed,
  CAST((
    k & 128 <> 0
  ) AS INTEGER) AS complained,
  total_opens,
  total_clicks,
  CAST(machine_opens > 0
  AND machine_opens = total_opens
  AND total_clicks = 0
  AND NOT (
    k & 64 <> 0
  ) AS INTEGER) AS machine_opened
FROM eng
