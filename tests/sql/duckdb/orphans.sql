SELECT e.* FROM events e SEMI JOIN (SELECT * FROM aggregates WHERE first_sent_at IS NULL) k ON e.campaign_id = k.campaign_id AND e.email_id = k.email_id AND e.lead_id = k.lead_id
