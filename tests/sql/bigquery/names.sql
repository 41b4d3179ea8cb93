SELECT
  p.campaign_id,
  p.email_id,
  p.n,
  p.first,
  p.last,
  l0.`campaign_name`,
  l0.ts AS `campaign_name_at`,
  l1.`program`,
  l1.ts AS `program_at`,
  l2.`email_name`,
  l2.ts AS `email_name_at`
FROM (
  SELECT
    campaign_id,
    email_id,
    COUNT(*) AS n,
    MIN(timestamp) AS first,
    MAX(timestamp) AS last
  FROM events
  GROUP BY
    campaign_id,
    email_id
) AS p
LEFT JOIN (
  SELECT
    campaign_id,
    email_id,
    `campaign_name`,
    ts
  FROM (
    SELECT
      campaign_id,
      email_id,
      `campaign_name`,
      timestamp AS ts,
      ROW_NUMBER() OVER (PARTITION BY campaign_id, email_id ORDER BY timestamp DESC) AS rn
    FROM events
    WHERE
      NOT `campaign_name` IS NULL
  )
  WHERE
    rn = 1
) AS l0
  ON l0.campaign_id = p.campaign_id AND l0.email_id = p.email_id
LEFT JOIN (
  SELECT
    campaign_id,
    email_id,
    `program`,
    ts
  FROM (
    SELECT
      campaign_id,
      email_id,
      `program`,
      timestamp AS ts,
      ROW_NUMBER() OVER (PARTITION BY campaign_id, email_id ORDER BY timestamp DESC) AS rn
    FROM events
    WHERE
      NOT `program` IS NULL
  )
  WHERE
    rn = 1
) AS l1
  ON l1.campaign_id = p.campaign_id AND l1.email_id = p.email_id
LEFT JOIN (
  SELECT
    campaign_id,
    email_id,
    `email_name`,
    ts
  FROM (
    SELECT
      campaign_id,
      email_id,
      `email_name`,
      timestamp AS ts,
      ROW_NUMBER() OVER (PARTITION BY campaign_id, email_id ORDER BY timestamp DESC) AS rn
    FROM events
    WHERE
      NOT `email_name` IS NULL
  )
  WHERE
    rn = 1
) AS l2
  ON l2.campaign_id = p.campaign_id AND l2.email_id = p.email_id
ORDER BY
  p.campaign_id NULLS LAST,
  p.email_id NULLS LAST
