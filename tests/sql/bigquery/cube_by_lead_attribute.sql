SELECT
  r.campaign_id,
  r.email_id,
  CAST(TIMESTAMP(DATETIME(r.first_sent_at, 'America/New_York')) AS DATE) AS send_day,
  COALESCE(CAST(l.`segment` AS STRING), '(unknown)') AS `segment`,
  CAST(SUM(r.`sent`) AS INT64) AS `sent`,
  CAST(SUM(r.`delivered`) AS INT64) AS `delivered`,
  CAST(SUM(r.`hard_bounced`) AS INT64) AS `hard_bounced`,
  CAST(SUM(r.`soft_bounced`) AS INT64) AS `soft_bounced`,
  CAST(SUM(r.`pending`) AS INT64) AS `pending`,
  CAST(SUM(r.`aborted`) AS INT64) AS `aborted`,
  CAST(SUM(r.`opened`) AS INT64) AS `opened`,
  CAST(SUM(r.`clicked`) AS INT64) AS `clicked`,
  CAST(SUM(r.`unsubscribed`) AS INT64) AS `unsubscribed`,
  CAST(SUM(r.`complained`) AS INT64) AS `complained`,
  CAST(SUM(r.`total_opens`) AS INT64) AS `total_opens`,
  CAST(SUM(r.`total_clicks`) AS INT64) AS `total_clicks`,
  CAST(SUM(r.`machine_opened`) AS INT64) AS `machine_opened`
FROM records AS r
LEFT JOIN leads AS l
  ON l.lead_id = r.lead_id
GROUP BY
  1,
  2,
  3,
  4
ORDER BY
  1 NULLS LAST,
  2 NULLS LAST,
  3 NULLS LAST,
  4 NULLS LAST
