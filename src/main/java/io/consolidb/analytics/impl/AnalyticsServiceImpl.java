package io.consolidb.analytics.impl;

import static io.consolidb.analytics.AnalyticsLimits.MAX_TOP_LIMIT;

import io.consolidb.analytics.AnalyticsLimits;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.cache.CacheSpec;
import io.consolidb.idempotency.IdempotencySql;
import io.consolidb.idempotency.IdempotentWrites;
import io.consolidb.idempotency.IdempotentWrites.Claim;
import io.consolidb.idempotency.IdempotentWrites.Outcome;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.service.CachedRead;
import io.consolidb.service.InputCheck;
import io.consolidb.service.ServiceFailures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.ArrayList;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics service over the query verticle.
 *
 * <p>Ingestion: a batch is validated as a whole, then inserted by one multi-row statement
 * ({@code INSERT … SELECT FROM unnest(arrays)}) in one transaction through {@code consolidb.db.tx};
 * the reply leaves only after the commit. The transaction carries {@code invalidate: {tags}} with
 * the day and month tags of every day the batch touches.
 *
 * <p>Reports go through {@code consolidb.db.query} with {@code cache: {ttlSeconds, key, tags}}:
 * the key encodes the report and its window, the tags name the days (or months) the window
 * covers, so new events drop only the reports whose window includes their day.
 */
public final class AnalyticsServiceImpl implements AnalyticsService {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsServiceImpl.class);
  private static final Pattern TYPE = Pattern.compile(AnalyticsLimits.TYPE_PATTERN);

  private final QueryClient queries;
  private final IdempotentWrites keys;
  private final int cacheTtlSeconds;
  private final Clock clock;
  private final ServiceStats stats;
  private final ServiceFailures failures = new ServiceFailures("analytics service", LOG,
      "the database refused the values; nothing was recorded", "the change conflicts with a concurrent one, retry");
  /**
   * Every report's tag for writes by other writers: V9's trigger notifies the table's name, and
   * the node drops that tag (the service's own inserts invalidate by day instead, quietly).
   */
  static final String EVENTS_TABLE = "analytics_events";
  /** The top-restaurants report shows names from {@code restaurants}: a rename must reach it. */
  private static final List<String> REPORT_NAMES_RESTAURANTS = List.of("restaurants");

  public AnalyticsServiceImpl(QueryClient queries, ServiceStats stats, int cacheTtlSeconds, Clock clock) {
    this.queries = queries;
    this.keys = new IdempotentWrites(queries);
    this.stats = stats;
    this.cacheTtlSeconds = cacheTtlSeconds;
    this.clock = clock;
  }

  @Override
  public Future<JsonObject> record(JsonObject event) {
    return recordIdempotent(event, null);
  }

  @Override
  public Future<JsonObject> recordBatch(JsonArray events) {
    return recordBatchIdempotent(events, null);
  }

  @Override
  public Future<JsonObject> recordIdempotent(JsonObject event, String idempotencyKey) {
    // one event is a batch of one: the same key for the event alone or in a one-element array is one request
    return call("record", () -> insert(JsonArray.of(event), idempotencyKey));
  }

  @Override
  public Future<JsonObject> recordBatchIdempotent(JsonArray events, String idempotencyKey) {
    return call("recordBatch", () -> insert(events, idempotencyKey));
  }

  private Future<JsonObject> insert(JsonArray events, String idempotencyKey) {
    Claim claim = Claim.of("analytics.record", idempotencyKey, events);
    EventValidator.Batch batch = EventValidator.batch(events, clock.instant());
    JsonObject insert = new JsonObject().put("sql", AnalyticsSql.INSERT_BATCH).put("params", batch.params());
    // the transaction invalidates the days it touches; the mark keeps V9's trigger from dropping every report too
    JsonObject mark = new JsonObject().put("sql", AnalyticsSql.MARK_SELF_INVALIDATING);
    JsonObject answer = new JsonObject().put("recorded", batch.size());
    JsonObject invalidate = new JsonObject().put("tags", ReportWindow.eventTags(batch.days()));
    Future<Outcome> recorded = claim == null
        ? queries.transaction("analytics.record", JsonArray.of(mark, insert), invalidate)
            .map(results -> Outcome.written(JsonArray.of(answer)))
        // the key row holds the answer; the batch and the key commit together
        : keys.run(claim, AnalyticsSql.RECORD_REPLAY, c -> queries.transaction("analytics.record",
                JsonArray.of(mark, insert, new JsonObject().put("sql", IdempotencySql.INSERT)
                    .put("params", c.insertParams(answer))), invalidate)
            .map(results -> JsonArray.of(answer)));
    return recorded.recover(failure -> failures.fromQuery("analytics.record", failure))
        .map(outcome -> outcome.mark(new JsonObject().put("recorded", outcome.firstRow().getValue("recorded"))));
  }

  @Override
  public Future<JsonObject> topRestaurants(String from, String to, int limit) {
    return call("topRestaurants", () -> {
      ReportWindow window = ReportWindow.parse(from, to, clock.instant());
      if (limit < 1 || limit > MAX_TOP_LIMIT) {
        throw InputCheck.invalid("limit", "limit must be between 1 and " + MAX_TOP_LIMIT + ", got " + limit);
      }
      return report("analytics.top_restaurants", AnalyticsSql.TOP_RESTAURANTS,
          JsonArray.of(window.fromText(), window.toText(), limit), window, window.cacheKey("top", limit),
          REPORT_NAMES_RESTAURANTS)
          .map(result -> marked(list(result.rows(), window), result));
    });
  }

  @Override
  public Future<JsonObject> activeUsers(String from, String to) {
    return call("activeUsers", () -> {
      ReportWindow window = ReportWindow.parse(from, to, clock.instant());
      return report("analytics.active_users", AnalyticsSql.DAILY_ACTIVE_USERS,
          JsonArray.of(window.fromText(), window.toText(), window.firstDay().toString(), window.lastDay().toString()),
          window, window.cacheKey("dau"))
          .map(result -> marked(list(result.rows(), window), result));
    });
  }

  @Override
  public Future<JsonObject> eventCounts(String from, String to, String type) {
    return call("eventCounts", () -> {
      ReportWindow window = ReportWindow.parse(from, to, clock.instant());
      boolean all = type == null || type.isBlank();
      if (!all && !TYPE.matcher(type).matches()) {
        throw InputCheck.invalid("type", "type must match " + AnalyticsLimits.TYPE_PATTERN);
      }
      Future<QueryResult> rows = all
          ? report("analytics.event_counts", AnalyticsSql.EVENT_COUNTS,
              JsonArray.of(window.fromText(), window.toText()), window, window.cacheKey("counts", "*"))
          : report("analytics.event_counts", AnalyticsSql.EVENT_COUNTS_OF_TYPE,
              JsonArray.of(window.fromText(), window.toText(), type), window, window.cacheKey("counts", type));
      return rows.map(result -> marked(list(result.rows(), window).put("total", sum(result.rows(), "count")), result));
    });
  }

  @Override
  public Future<JsonObject> restaurantViews(long restaurantId, String from, String to) {
    return call("restaurantViews", () -> {
      InputCheck.positiveId("restaurantId", restaurantId);
      ReportWindow window = ReportWindow.parse(from, to, clock.instant());
      return report("analytics.restaurant_views", AnalyticsSql.RESTAURANT_DAILY_VIEWS,
          JsonArray.of(restaurantId, window.fromText(), window.toText(), window.firstDay().toString(),
              window.lastDay().toString()),
          window, window.cacheKey("views", restaurantId))
          .map(result -> marked(list(result.rows(), window)
              .put("restaurant_id", restaurantId)
              .put("total", sum(result.rows(), "views")), result));
    });
  }

  @Override
  public Future<JsonObject> userActivity(long userId, String from, String to) {
    return call("userActivity", () -> {
      InputCheck.positiveId("userId", userId);
      ReportWindow window = ReportWindow.parse(from, to, clock.instant());
      return report("analytics.user_activity", AnalyticsSql.USER_ACTIVITY,
          JsonArray.of(userId, window.fromText(), window.toText(), AnalyticsLimits.USER_TOP_RESTAURANTS),
          window, window.cacheKey("user", userId))
          .map(result -> {
            JsonObject row = result.rows().getJsonObject(0);
            return marked(new JsonObject()
                .put("user_id", userId)
                .put("total", row.getValue("total"))
                .put("first_event_at", row.getValue("first_event_at"))
                .put("last_event_at", row.getValue("last_event_at"))
                .put("by_type", row.getValue("by_type"))
                .put("days", row.getValue("days"))
                .put("top_restaurants", row.getValue("top_restaurants"))
                .put("from", window.fromText())
                .put("to", window.toText()), result);
          });
    });
  }

  /**
   * A report through the cache: the local tier and Redis are read in-process (no event-bus hop),
   * a miss goes to the query verticle and PostgreSQL.
   */
  private Future<QueryResult> report(String operation, String sql, JsonArray params, ReportWindow window, String key) {
    return report(operation, sql, params, window, key, List.of());
  }

  /** {@code alsoTags}: tables the report reads beside the events (their changes invalidate it too). */
  private Future<QueryResult> report(String operation, String sql, JsonArray params, ReportWindow window, String key,
      List<String> alsoTags) {
    List<String> tags = new ArrayList<>(window.cacheTags().stream().map(String::valueOf).toList());
    tags.add(EVENTS_TABLE);
    tags.addAll(alsoTags);
    // a report scans events for seconds: one node of the cluster runs it for every node missing it
    CacheSpec cache = new CacheSpec(cacheTtlSeconds, key, tags, true);
    return queries.readCached(operation, sql, params, cache).recover(failure -> failures.fromQuery(operation, failure));
  }

  /** The report, saying whether the cache answered it (the HTTP API's {@code X-Cache}) when this node caches. */
  private JsonObject marked(JsonObject report, QueryResult from) {
    if (!queries.caching()) {
      return report;
    }
    return from.stale() ? CachedRead.stale(report, from.ageSeconds()) : CachedRead.of(report, from.cached());
  }

  private static JsonObject list(JsonArray rows, ReportWindow window) {
    return new JsonObject()
        .put("items", rows)
        .put("count", rows.size())
        .put("from", window.fromText())
        .put("to", window.toText());
  }

  private static long sum(JsonArray rows, String column) {
    long total = 0;
    for (int i = 0; i < rows.size(); i++) {
      Object value = rows.getJsonObject(i).getValue(column);
      if (value instanceof Number n) {
        total += n.longValue();
      }
    }
    return total;
  }


  /** A method body under the service's statistics, failing as {@link ServiceFailures#guarded} says. */
  private Future<JsonObject> call(String method, Supplier<Future<JsonObject>> body) {
    return stats.track(method, () -> failures.guarded(method, body));
  }
}
