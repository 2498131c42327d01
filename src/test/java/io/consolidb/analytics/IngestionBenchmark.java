package io.consolidb.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.bench.Ingestion;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Ingestion} in a private schema with its own node: events per second committed through {@code POST /api/v1/analytics/events} (batches of 1000,
 * {@value #CLIENTS} concurrent clients) against the same 1000 rows as one multi-row
 * {@code INSERT … VALUES} run by pgbench with as many clients, alternating, {@value #ROUNDS}
 * rounds of {@value #SECONDS} s each; prints the medians and their ratio (goal ≥ 0.7) and writes
 * them to {@code target/bench/ingest.txt}. Run with {@code scripts/bench-ingest.sh}.
 */
@Tag("benchmark")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class IngestionBenchmark {

  static final int BATCH = Ingestion.BATCH;
  static final int CLIENTS = Integer.getInteger("bench.clients", 4);
  static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  static final int SECONDS = Integer.getInteger("bench.seconds", 5);
  private static final String TOKEN = "bench-token";

  @Test
  void httpBatchIngestion_vsDirectMultiRowInsert() throws Exception {
    JsonArray events = Ingestion.batch();
    Path script = Files.createTempFile("ingest", ".sql");
    Files.writeString(script, Ingestion.multiRowInsert(events), StandardCharsets.UTF_8);
    Buffer body = events.toBuffer();
    Vertx vertx = Vertx.vertx();
    try (TestNode node = TestNode.create("ingest_bench")) {
      int port = TestNode.freePort();
      JsonObject config = node.config(port, TOKEN);
      config.getJsonObject("database").put("pool", new JsonObject().put("size", CLIENTS).put("timeoutSeconds", 5))
          .put("queryTimeoutMs", 10_000);
      config.getJsonObject("http").put("maxBodyBytes", 1024 * 1024);
      TestNode.deployServicesAndHttp(vertx, config, false).await(60, TimeUnit.SECONDS);
      // the client's default pool (5 connections per host) covers the concurrent loops
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(port));

      PgConnectOptions db = PgConnectOptions.fromUri(TestServices.databaseUrl());
      String searchPath = node + ",public";
      Ingestion.http(client, TOKEN, body, CLIENTS, 2); // warm-up: JIT, prepared statements, partitions in cache
      Ingestion.pgbench(db, searchPath, script, CLIENTS, 2);
      List<Double> httpRates = new ArrayList<>();
      List<Double> directRates = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        node.execute("TRUNCATE analytics_events");
        double viaHttp = Ingestion.http(client, TOKEN, body, CLIENTS, SECONDS);
        node.execute("TRUNCATE analytics_events");
        double direct = Ingestion.pgbench(db, searchPath, script, CLIENTS, SECONDS);
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
