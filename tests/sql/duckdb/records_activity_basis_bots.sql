WITH agg AS (SELECT *, coalesce(kinds, 0) AS k FROM (
        SELECT campaign_id, email_id, lead_id,
            min(timestamp) FILTER (WHERE event_type = 'sent') AS first_sent_at, min(timestamp) FILTER (WHERE event_type = 'sent' AND f) AS first_sent_in_frame,
count(*) FILTER (WHERE f) AS n_events,
            bit_or(CAST(CASE event_type WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'hard_bounce' THEN 4 WHEN 'soft_bounce' THEN 8 WHEN 'open' THEN 16 WHEN 'click' THEN 32 WHEN 'unsubscribe' THEN 64 WHEN 'complaint' THEN 128 END AS SMALLINT)) FILTER (WHERE f) AS kinds,
            CAST(count(*) FILTER (WHERE f AND event_type = 'open')
                AS INTEGER) AS total_opens,
            CAST(count(*) FILTER (WHERE f AND event_type = 'click'
                AND NOT unsub_link) AS INTEGER) AS total_clicks,
            CAST(count(*) FILTER (WHERE f AND is_machine_open)
                AS INTEGER) AS machine_opens
        FROM (SELECT *, timestamp >= CAST('2026-03-01T00:00:00+00:00' AS TIMESTAMPTZ) AND timestamp < CAST('2026-04-01T00:00:00+00:00' AS TIMESTAMPTZ) AS f, event_type = 'click' AND coalesce(regexp_matches(link, '(?i)unsubscribe|opt-?out'), false) AS unsub_link FROM (SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, is_bot OR close AS is_bot, CASE WHEN is_bot THEN bot_reason WHEN close THEN 'proximity' END AS bot_reason, is_machine_open, user_agent, ip, client, os, device, country FROM (SELECT *, coalesce(sec - lag(sec) OVER w <= 1, false) OR coalesce(lead(sec) OVER w <= sec + 1, false) AS close FROM (SELECT *, CAST(floor(epoch(timestamp)) AS BIGINT) AS sec FROM (SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, coalesce(is_bot, false) OR (event_type IN ('open', 'click') AND false) AS is_bot, CASE WHEN coalesce(is_bot, false) AND event_type IN ('open', 'click') THEN coalesce(bot_reason, 'source') WHEN event_type IN ('open', 'click') AND false THEN 'list' END AS bot_reason, (event_type = 'open' AND (coalesce(is_machine_open, false) OR coalesce(user_agent IN ('Mozilla/5.0'), false))) AS is_machine_open, user_agent, ip, client, os, device, country FROM events WHERE timestamp <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)) WHERE event_type IN ('open', 'click')) WINDOW w AS (PARTITION BY campaign_id, email_id, lead_id ORDER BY sec)) UNION ALL SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, is_bot, bot_reason, is_machine_open, user_agent, ip, client, os, device, country FROM (SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, coalesce(is_bot, false) OR (event_type IN ('open', 'click') AND false) AS is_bot, CASE WHEN coalesce(is_bot, false) AND event_type IN ('open', 'click') THEN coalesce(bot_reason, 'source') WHEN event_type IN ('open', 'click') AND false THEN 'list' END AS bot_reason, (event_type = 'open' AND (coalesce(is_machine_open, false) OR coalesce(user_agent IN ('Mozilla/5.0'), false))) AS is_machine_open, user_agent, ip, client, os, device, country FROM events WHERE timestamp <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ)) WHERE NOT event_type IN ('open', 'click')) WHERE NOT ((is_bot AND event_type IN ('open', 'click'))))
        GROUP BY campaign_id, email_id, lead_id
    ) WHERE n_events > 0),
        eng AS (SELECT *, (total_opens > 0 OR total_clicks > 0 OR (k & 64 <> 0)) AS is_opened FROM agg)
        SELECT campaign_id, email_id, lead_id, first_sent_at,
            CAST(first_sent_in_frame IS NOT NULL AS INTEGER) AS sent,
            CAST(is_opened OR (NOT (k & 4 <> 0) AND NOT (k & 8 <> 0)
                AND ((k & 2 <> 0) OR (k & 128 <> 0))) AS INTEGER) AS delivered,
            CAST(NOT is_opened AND (k & 4 <> 0) AS INTEGER) AS hard_bounced,
            CAST(NOT is_opened AND NOT (k & 4 <> 0) AND (k & 8 <> 0) AS INTEGER) AS soft_bounced,
            CAST(NOT is_opened AND NOT (k & 4 <> 0) AND NOT (k & 8 <> 0) AND NOT (k & 2 <> 0) AND NOT (k & 128 <> 0) AND first_sent_in_frame IS NOT NULL AND first_sent_in_frame > CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ) - INTERVAL 72 HOUR
                AS INTEGER) AS pending,
            CAST(NOT is_opened AND NOT (k & 4 <> 0) AND NOT (k & 8 <> 0) AND NOT (k & 2 <> 0) AND NOT (k & 128 <> 0) AND first_sent_in_frame IS NOT NULL AND first_sent_in_frame <= CAST('2026-03-31T23:59:59+00:00' AS TIMESTAMPTZ) - INTERVAL 72 HOUR
                AS INTEGER) AS aborted,
            CAST(is_opened AS INTEGER) AS opened,
            CAST(total_clicks > 0 AS INTEGER) AS clicked,
            CAST((k & 64 <> 0) AS INTEGER) AS unsubscribed,
            CAST((k & 128 <> 0) AS INTEGER) AS complained,
            total_opens, total_clicks,
            CAST(machine_opens > 0 AND machine_opens = total_opens AND total_clicks = 0
                AND NOT (k & 64 <> 0) AS INTEGER) AS machine_opened
        FROM eng
