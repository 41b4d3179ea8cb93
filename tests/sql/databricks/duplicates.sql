SELECT
  _seq,
  _keep,
  event_id,
  event_type,
  timestamp,
  campaign_id,
  email_id,
  lead_id
FROM id_rows
WHERE
  _seq <> _keep
UNION ALL
SELECT
  _seq,
  _keep,
  event_id,
  event_type,
  timestamp,
  campaign_id,
  email_id,
  lead_id
FROM (
  SELECT
    *,
    MIN(_seq) OVER (
      PARTITION BY `event_type`, `timestamp`, `campaign_id`, `email_id`, `lead_id`, `campaign_name`, `email_name`, `program`, `link`, `is_bot`, `user_agent`, `ip`, `client`, `os`, `device`, `country`, `is_machine_open`, `bot_reason`
    ) AS _keep
  FROM events
  WHERE
    event_id IS NULL
    AND XXHASH64(
      `event_type`,
      `timestamp`,
      `campaign_id`,
      `email_id`,
      `lead_id`,
      `campaign_name`,
      `email_name`,
      `program`,
      `link`,
      `is_bot`,
      `user_agent`,
      `ip`,
      `client`,
      `os`,
      `device`,
      `country`,
      `is_machine_open`,
      `bot_reason`
    ) IN (
      SELECT
        XXHASH64(
          `event_type`,
          `timestamp`,
          `campaign_id`,
          `email_id`,
          `lead_id`,
          `campaign_name`,
          `email_name`,
          `program`,
          `link`,
          `is_bot`,
          `user_agent`,
          `ip`,
          `client`,
          `os`,
          `device`,
          `country`,
          `is_machine_open`,
          `bot_reason`
        )
      FROM events
      WHERE
        event_id IS NULL
      GROUP BY
        1
      HAVING
        COUNT(*) > 1
    )
)
WHERE
  _seq <> _keep
