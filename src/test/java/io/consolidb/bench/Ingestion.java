package io.consolidb.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ingestion scenario, shared by the harness ({@code ingest_http_vs_direct}) and
 * {@code IngestionBenchmark}: committed events per second through
 * {@code POST /api/v1/analytics/events} (one batch of {@value #BATCH} events posted again and again
 * by each of several clients) against the same rows as one multi-row {@code INSERT … VALUES} run by
 * {@code pgbench -n -f} with as many clients.
 *
 * <p>Every event falls in {@link #WINDOW_START} … {@link #WINDOW_END} (two days of March 2025), far
 * from the data set's last 60 days: the reports the benchmarks read are not invalidated by it, and
 * {@link #cleanUp} removes exactly what a round inserted.
 */
public final class Ingestion {

  public static final int BATCH = 1000;
  public static final Instant WINDOW_START = Instant.parse("2025-03-10T00:00:00Z");
  private static final long STEP_SECONDS = 173;
  public static final Instant WINDOW_END = WINDOW_START.plusSeconds(BATCH * STEP_SECONDS);
  /** The monthly partition that holds the window (V3 names them analytics_events_YYYY_MM). */
  static final String PARTITION = "analytics_events_2025_03";
  public static final String PATH = "/api/v1/analytics/events";
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

  private Ingestion() {
  }

  /** 1000 events over two March days, mixed types, a few with properties. */
  public static JsonArray batch() {
    JsonArray events = new JsonArray();
    for (int i = 0; i < BATCH; i++) {
      String type = switch (i % 6) {
        case 3 -> "search";
        case 4 -> "click";
        case 5 -> "favorite";
        default -> "view";
      };
      JsonObject event = new JsonObject().put("type", type)
          .put("user_id", 1 + (i * 7919L) % 50_000)
          .put("restaurant_id", 1 + (i * 104_729L) % 10_000)
          .put("occurred_at", WINDOW_START.plusSeconds(i * STEP_SECONDS).toString());
      if (i % 6 == 3) {
        event.put("properties", new JsonObject().put("q", "kosher pizza " + i % 10));
      }
      events.add(event);
    }
    return events;
  }

  /** The same rows as one INSERT … VALUES statement, as a client writing SQL would send them. */
  public static String multiRowInsert(JsonArray events) {
    StringBuilder sql = new StringBuilder(
        "INSERT INTO analytics_events (type, user_id, restaurant_id, occurred_at, properties) VALUES\n");
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      JsonObject properties = e.getJsonObject("properties", new JsonObject());
      sql.append(i == 0 ? "" : ",\n").append("('").append(e.getString("type")).append("', ")
          .append(e.getLong("user_id")).append(", ").append(e.getLong("restaurant_id")).append(", '")
          .append(e.getString("occurred_at")).append("', '").append(properties.encode()).append("')");
    }
    return sql.append(";\n").toString();
  }

  /**
   * Committed events per second through HTTP: {@code clients} loops, each posting {@code body} (a
   * batch of {@value #BATCH}) one after another with the bearer {@code token} for {@code seconds};
   * any answer but 201 fails. The client's connection pool must allow {@code clients} connections.
   */
  public static double http(WebClient client, String token, Buffer body, int clients, int seconds) throws Exception {
    AtomicLong committed = new AtomicLong();
    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Promise<Void> done = Promise.promise();
      post(client, token, body, deadline, committed, done);
      loops.add(done.future());
    }
    Future.all(loops).await(seconds + 60L, TimeUnit.SECONDS);
    return committed.get() * 1e9 / (System.nanoTime() - started);
  }

  private static void post(WebClient client, String token, Buffer body, long deadline, AtomicLong committed,
      Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    client.post(PATH).bearerTokenAuthentication(token)
        .putHeader("Content-Type", "application/json").sendBuffer(body)
        .onSuccess(response -> {
          if (response.statusCode() != 201) {
            done.fail("HTTP " + response.statusCode() + ": " + response.bodyAsString());
            return;
          }
          committed.addAndGet(BATCH);
          post(client, token, body, deadline, committed, done);
        })
        .onFailure(done::fail);
  }

  /**
   * Committed events per second of {@code pgbench -n -f script -c clients -T seconds}, the script
   * being one multi-row INSERT of {@value #BATCH} rows; {@code searchPath} (may be null) selects a
   * private schema.
   */
  public static double pgbench(PgConnectOptions db, String searchPath, Path script, int clients, int seconds)
      throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("PGPASSWORD", db.getPassword()));
    if (searchPath != null) {
      env.put("PGOPTIONS", "-c search_path=" + searchPath);
    }
    String output = ExternalTools.run(List.of("pgbench", "-n", "-f", script.toString(), "-c", Integer.toString(clients),
        "-j", Integer.toString(Math.min(clients, 2)), "-T", Integer.toString(seconds),
        "-h", db.getHost(), "-p", Integer.toString(db.getPort()), "-U", db.getUser(), db.getDatabase()),
        env, seconds + 60);
    Matcher tps = TPS.matcher(output);
    if (!tps.find()) {
      throw new IllegalStateException("no tps in pgbench output:\n" + output);
    }
    return Double.parseDouble(tps.group(1)) * BATCH;
  }

  /**
   * Removes every event of the window: TRUNCATE of its monthly partition when nothing else lives
   * there (instant, no dead rows), otherwise a DELETE of the window. Leaves the table as the data
   * set loaded it, so BenchData's count still matches on the next run.
   */
  public static void cleanUp(SqlClient db) throws Exception {
    long foreign = db.query("SELECT count(*) AS n FROM analytics_events WHERE occurred_at >= '2025-03-01'"
        + " AND occurred_at < '2025-04-01' AND NOT (occurred_at >= '" + WINDOW_START + "' AND occurred_at < '"
        + WINDOW_END + "')").execute().map(rows -> rows.iterator().next().getLong("n")).await(5, TimeUnit.MINUTES);
    boolean partitioned = db.query("SELECT to_regclass('" + PARTITION + "') IS NOT NULL AS p").execute()
        .map(rows -> rows.iterator().next().getBoolean("p")).await(1, TimeUnit.MINUTES);
    String sql = foreign == 0 && partitioned ? "TRUNCATE " + PARTITION
        : "DELETE FROM analytics_events WHERE occurred_at >= '" + WINDOW_START + "' AND occurred_at < '" + WINDOW_END + "'";
    db.query(sql).execute().await(5, TimeUnit.MINUTES);
  }
}
