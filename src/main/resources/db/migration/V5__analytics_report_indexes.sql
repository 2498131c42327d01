-- Indexes that serve each analytics report, measured by AnalyticsQueryPlanTest over 1M events.
--
-- Events per day and type over a window (all types) and daily active users both range over
-- occurred_at: one index (occurred_at, type, user_id) serves both as an index-only scan, and
-- replaces the partial (occurred_at, user_id) index of V3, so ingestion keeps the same number
-- of indexes to maintain for that purpose.
DROP INDEX IF EXISTS analytics_events_time_user_idx;

CREATE INDEX analytics_events_time_type_user_idx
  ON analytics_events (occurred_at, type, user_id);

-- One restaurant's daily views: its view events by time, without reading other restaurants'.
-- Partial: only views are counted per restaurant, so other types cost no index maintenance here.
CREATE INDEX analytics_events_restaurant_views_idx
  ON analytics_events (restaurant_id, occurred_at)
  WHERE type = 'view';
