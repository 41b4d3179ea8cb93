WITH "agg" AS (
  SELECT
    *,
    COALESCE("kinds", 0) AS "k"
  FROM (
    SELECT
      "campaign_id",
      "email_id",
      "lead_id",
      MIN("timestamp") FILTER(WHERE
        "event_type" = 'sent') AS "first_sent_at",
      MIN("timestamp") FILTER(WHERE
        "event_type" = 'sent' AND "f") AS "first_sent_in_frame",
      COUNT(*) FILTER(WHERE
        "f") AS "n_events",
      BIT_OR(
        CAST(CASE "event_type"
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
      ) FILTER(WHERE
        "f") AS "kinds",
      CAST(COUNT(*) FILTER(WHERE
        "f" AND "event_type" = 'open') AS INT) AS "total_opens",
      CAST(COUNT(*) FILTER(WHERE
        "f" AND "event_type" = 'click' AND NOT "unsub_link") AS INT) AS "total_clicks",
      CAST(COUNT(*) FILTER(WHERE
        "f" AND "is_machine_open") AS INT) AS "machine_opens"
    FROM (
      SELECT
        *,
        "timestamp" >= CAST('2026-03-01T00:00:00+00:00' AS TIMESTAMPTZ)
        AND "timestamp" < CAST('2026-04-01T00:00:00+00:00' AS TIMESTAMPTZ) AS "f",
        "event_type" = 'click' AND COALESCE("link" ~ '(?i)unsubscribe|opt-?out', FALSE) AS "unsub_link"
      FROM (
        SELECT
          "campaign_id",
          "email_id",
          "lead_id",
          "event_type",
          "timestamp",
          "link",
          "is_bot" OR "close" AS "is_bot",
          CASE WHEN "is_bot" THEN "bot_reason" WHEN "close" THEN 'proximity' END AS "bot_reason",
          "is_machine_open",
          "user_agent",
          "ip",
          "client",
          "os",
          "device",
          "country"
        FROM (
          SELECT
            *,
            COALESCE(
              "sec" - LAG("sec") OVER (PARTITION BY "campaign_id", "email_id", "lead_id" ORDER BY "sec") <= 1,
              FALSE
            )
            OR COALESCE(
              LEAD("sec") OVER (PARTITION BY "campaign_id", "email_id", "lead_id" ORDER BY "sec") <= "sec" + 1,
              FALSE
            ) AS "close"
          FROM (
            SELECT
              *,
              CAST(FLOOR(DATE_PART('epoch', "timestamp")) AS BIGINT) AS "sec"
            FROM (
              SELECT
                "campaign_id",
                "email_id",
                "lead_id",
                "event_type",
                "timestamp",
                "link",
                COALESCE("is_bot", FALSE) OR (
                  "event_type" IN ('open', 'click') AND FALSE
                ) AS "is_bot",
                CASE
                  WHEN COALESCE("is_bot", FALSE) AND "event_type" IN ('open', 'click')
                  THEN COALESCE("bot_reason", 'source')
                  WHEN "event_type" IN ('open', 'click') AND FALSE
                  THEN 'list'
                END AS "bot_reason",
                (
                  "event_type" = 'open'
                  AND (
                    COALESCE("is_machine_open", FALSE)
                    OR COALESCE("user_agent" IN ('Mozilla/5.0'), FALSE)
                  )
                ) AS "is_machine_open",
                "user_agent",
                "ip",
                "client",
                "os",
                "device",
                "country"
              FROM "events"
              WHERE
                "timestamp" <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)
            ) AS "_q6"
            WHERE
              "event_type" IN ('open', 'click')
          ) AS "_q5"
        ) AS "_q3"
        UNION ALL
        SELECT
          "campaign_id",
          "email_id",
          "lead_id",
          "event_type",
          "timestamp",
          "link",
          "is_bot",
          "bot_reason",
          "is_machine_open",
          "user_agent",
          "ip",
          "client",
          "os",
          "device",
          "country"
        FROM (
          SELECT
            "campaign_id",
            "email_id",
            "lead_id",
            "event_type",
            "timestamp",
            "link",
            COALESCE("is_bot", FALSE) OR (
              "event_type" IN ('open', 'click') AND FALSE
            ) AS "is_bot",
            CASE
              WHEN COALESCE("is_bot", FALSE) AND "event_type" IN ('open', 'click')
              THEN COALESCE("bot_reason", 'source')
              WHEN "event_type" IN ('open', 'click') AND FALSE
              THEN 'list'
            END AS "bot_reason",
            (
              "event_type" = 'open'
              AND (
                COALESCE("is_machine_open", FALSE)
                OR COALESCE("user_agent" IN ('Mozilla/5.0'), FALSE)
              )
            ) AS "is_machine_open",
            "user_agent",
            "ip",
            "client",
            "os",
            "device",
            "country"
          FROM "events"
          WHERE
            "timestamp" <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)
        ) AS "_q4"
        WHERE
          NOT "event_type" IN ('open', 'click')
      ) AS "_q2"
      WHERE
        NOT (
          (
            "is_bot" AND "event_type" IN ('open', 'click')
          )
        )
    ) AS "_q1"
    GROUP BY
      "campaign_id",
      "email_id",
      "lead_id"
  ) AS "_q0"
  WHERE
    "n_events" > 0
), "eng" AS (
  SELECT
    *,
    (
      "total_opens" > 0 OR "total_clicks" > 0 OR (
        "k" & 64 <> 0
      )
    ) AS "is_opened"
  FROM "agg"
)
SELECT
  "campaign_id",
  "email_id",
  "lead_id",
  "first_sent_at",
  CAST(NOT "first_sent_in_frame" IS NULL AS INT) AS "sent",
  CAST("is_opened"
  OR (
    NOT (
      "k" & 4 <> 0
    )
    AND NOT (
      "k" & 8 <> 0
    )
    AND (
      (
        "k" & 2 <> 0
      ) OR (
        "k" & 128 <> 0
      )
    )
  ) AS INT) AS "delivered",
  CAST(NOT "is_opened" AND (
    "k" & 4 <> 0
  ) AS INT) AS "hard_bounced",
  CAST(NOT "is_opened" AND NOT (
    "k" & 4 <> 0
  ) AND (
    "k" & 8 <> 0
  ) AS INT) AS "soft_bounced",
  CAST(NOT "is_opened"
  AND NOT (
    "k" & 4 <> 0
  )
  AND NOT (
    "k" & 8 <> 0
  )
  AND NOT (
    "k" & 2 <> 0
  )
  AND NOT (
    "k" & 128 <> 0
  )
  AND NOT "first_sent_in_frame" IS NULL
  AND "first_sent_in_frame" > CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ) - INTERVAL '72 HOUR' AS INT) AS "pending",
  CAST(NOT "is_opened"
  AND NOT (
    "k" & 4 <> 0
  )
  AND NOT (
    "k" & 8 <> 0
  )
  AND NOT (
    "k" & 2 <> 0
  )
  AND NOT (
    "k" & 128 <> 0
  )
  AND NOT "first_sent_in_frame" IS NULL
  AND "first_sent_in_frame" <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ) - INTERVAL '72 HOUR' AS INT) AS "aborted",
  CAST("is_opened" AS INT) AS "opened",
  CAST("total_clicks" > 0 AS INT) AS "clicked",
  CAST((
    "k" & 64 <> 0
  ) AS INT) AS "unsubscribed",
  CAST((
    "k" & 128 <> 0
  ) AS INT) AS "complained",
  "total_opens",
  "total_clicks",
  CAST("machine_opens" > 0
  AND "machine_opens" = "total_opens"
  AND "total_clicks" = 0
  AND NOT (
    "k" & 64 <> 0
  ) AS INT) AS "machine_opened"
FROM "eng"
