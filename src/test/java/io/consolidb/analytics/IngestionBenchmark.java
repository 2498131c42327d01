package io.consolidb.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Events per second committed through {@code POST /api/v1/analytics/events} (batches of 1000,
 * {@value #CLIENTS} concurrent clients) against the same 1000 rows as one multi-row
 * {@code INSERT … VALUES} run by pgbench with as many clients, alternating, {@value #ROUNDS}
 * rounds of {@value #SECONDS} s each; prints the medians and their ratio (goal ≥ 0.7) and writes
 * them to {@code target/bench/ingest.txt}. Run with {@code scripts/bench-ingest.sh}.
 */
@Tag("benchmark")
class IngestionBenchmark {

  static final int BATCH = 1000;
  static final int CLIENTS = Integer.getInteger("bench.clients", 4);
  static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  static final int SECONDS = Integer.getInteger("bench.seconds", 5);
  private static final String TOKEN = "bench-token";
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

  @Test
  void httpBatchIngestion_vsDirectMultiRowInsert() throws Exception {
    JsonArray events = batch();
    Path script = Files.createTempFile("ingest", ".sql");
    Files.writeString(script, multiRowInsert(events), StandardCharsets.UTF_8);
    Buffer body = events.toBuffer();
    Vertx vertx = Vertx.vertx();
    try (TestNode node = TestNode.create("ingest_bench")) {
      int port = TestNode.freePort();
      JsonObject config = node.config(port, TOKEN);
      config.getJsonObject("database").put("pool", new JsonObject().put("size", CLIENTS).put("timeoutSeconds", 5))
          .put("queryTimeoutMs", 10_000);
      config.getJsonObject("http").put("maxBodyBytes", 1024 * 1024);
      TestNode.deployServices(vertx, config).compose(v -> TestNode.deployHttp(vertx, config))
          .await(60, TimeUnit.SECONDS);
      // the client's default pool (5 connections per host) covers the concurrent loops
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(port));

      http(client, body, 2); // warm-up: JIT, prepared statements, partitions in cache
      pgbench(node, script, 2);
      List<Double> httpRates = new ArrayList<>();
      List<Double> directRates = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        node.execute("TRUNCATE analytics_events");
        double viaHttp = http(client, body, SECONDS);
        node.execute("TRUNCATE analytics_events");
        double direct = pgbench(node, script, SECONDS);
        httpRates.add(viaHttp);
        directRates.add(direct);
        System.out.printf("round %d: http %.0f events/s, pgbench %.0f events/s, ratio %.2f%n",
            round, viaHttp, direct, viaHttp / direct);
      }
      double http = median(httpRates);
      double direct = median(directRates);
      String result = String.format(
          "ingestion, %d clients, batches of %d, %d rounds of %d s, medians:%n"
              + "  HTTP POST /api/v1/analytics/events: %.0f events/s%n"
              + "  pgbench multi-row INSERT:           %.0f events/s%n"
              + "  ratio: %.2f (goal >= 0.70)%n"
              + "  rounds http %s%n  rounds pgbench %s%n",
          CLIENTS, BATCH, ROUNDS, SECONDS, http, direct, http / direct, rounded(httpRates), rounded(directRates));
      System.out.print(result);
      Files.createDirectories(Path.of("target", "bench"));
      Files.writeString(Path.of("target", "bench", "ingest.txt"), result);
      assertThat(http / direct).as(result).isGreaterThanOrEqualTo(0.7);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      Files.deleteIfExists(script);
    }
  }

  /** 1000 events over two March days, mixed types, a few with properties. */
  static JsonArray batch() {
    JsonArray events = new JsonArray();
    Instant start = Instant.parse("2025-03-10T00:00:00Z");
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
          .put("occurred_at", start.plusSeconds(i * 173L).toString());
      if (i % 6 == 3) {
        event.put("properties", new JsonObject().put("q", "kosher pizza " + i % 10));
      }
      events.add(event);
    }
    return events;
  }

  /** The same rows as one INSERT … VALUES statement, as a client writing SQL would send them. */
  static String multiRowInsert(JsonArray events) {
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

  /** Committed events per second through HTTP: CLIENTS loops, each posting one batch after another. */
  private static double http(WebClient client, Buffer body, int seconds) throws Exception {
    AtomicLong committed = new AtomicLong();
    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Promise<Void> done = Promise.promise();
      post(client, body, deadline, committed, done);
      loops.add(done.future());
    }
    Future.all(loops).await(seconds + 60L, TimeUnit.SECONDS);
    return committed.get() * 1e9 / (System.nanoTime() - started);
  }

  private static void post(WebClient client, Buffer body, long deadline, AtomicLong committed, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    client.post("/api/v1/analytics/events").bearerTokenAuthentication(TOKEN)
        .putHeader("Content-Type", "application/json").sendBuffer(body)
        .onSuccess(response -> {
          if (response.statusCode() != 201) {
            done.fail("HTTP " + response.statusCode() + ": " + response.bodyAsString());
            return;
          }
          committed.addAndGet(BATCH);
          post(client, body, deadline, committed, done);
        })
        .onFailure(done::fail);
  }

  /** Committed events per second through pgbench running the multi-row INSERT. */
  private static double pgbench(TestNode node, Path script, int seconds) throws IOException, InterruptedException {
    PgConnectOptions db = PgConnectOptions.fromUri(TestServices.databaseUrl());
    ProcessBuilder pb = new ProcessBuilder("pgbench", "-n", "-f", script.toString(), "-c", Integer.toString(CLIENTS),
        "-j", Integer.toString(Math.min(CLIENTS, 2)), "-T", Integer.toString(seconds),
        "-h", db.getHost(), "-p", Integer.toString(db.getPort()), "-U", db.getUser(), db.getDatabase())
        .redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", db.getPassword());
    pb.environment().put("PGOPTIONS", "-c search_path=" + node + ",public");
    Process process = pb.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("pgbench failed:\n" + output);
    }
    Matcher tps = TPS.matcher(output);
    if (!tps.find()) {
      throw new IllegalStateException("no tps in pgbench output:\n" + output);
    }
    return Double.parseDouble(tps.group(1)) * BATCH;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static List<Long> rounded(List<Double> values) {
    return values.stream().map(Math::round).toList();
  }
}
