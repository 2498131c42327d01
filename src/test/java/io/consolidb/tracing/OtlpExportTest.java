package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node started with {@code OTEL_EXPORTER_OTLP_ENDPOINT} sends its spans to that collector over
 * OTLP/HTTP (protobuf to {@code /v1/traces}); with the collector gone, requests are still served
 * at once (exports fail on their own thread, bounded by their timeout).
 */
class OtlpExportTest {

  private static TestNode schema;
  private static Vertx collectorVertx;

  @BeforeAll
  static void migrate() {
    schema = TestNode.create("otlp_export");
    schema.reseed();
    collectorVertx = Vertx.vertx();
  }

  @AfterAll
  static void drop() throws Exception {
    collectorVertx.close().await(30, TimeUnit.SECONDS);
    schema.close();
  }

  private static NodeSettings settings(String endpoint, int httpPort) {
    return ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing", "DATABASE_URL", schema.databaseUrl(),
        "DB_MIGRATE", "false", "REDIS_ENABLED", "false", "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", Integer.toString(httpPort), "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
        "TRACING_SAMPLE_RATIO", "1", "OTEL_SERVICE_NAME", "consolidb-otlp-test"));
  }

  /** A collector stand-in that notes each request: method, path, type, size, whether it names the node's service. */
  private static HttpServer collector(List<String> received) throws Exception {
    return collectorVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      received.add(request.method() + " " + request.path() + " " + request.getHeader("Content-Type") + " "
          + body.length() + " " + body.toString().contains("consolidb-otlp-test"));
      request.response().setStatusCode(200).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static ConsolidbNode tracingNode(HttpServer collector, int httpPort) throws Exception {
    return ConsolidbNode.start(settings("http://127.0.0.1:" + collector.actualPort(), httpPort),
        EnumSet.of(Component.QUERY, Component.RESTAURANTS, Component.HTTP)).await(60, TimeUnit.SECONDS);
  }

  @Test
  void spansReachTheCollector_andACollectorDownCostsRequestsNothing() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer collector = collector(received);
    int port = TestNode.freePort();
    ConsolidbNode node = tracingNode(collector, port);
    WebClient client = WebClient.create(collectorVertx);
    try {
      assertThat(Await.result(client.request(HttpMethod.GET, port, "127.0.0.1", "/api/v1/restaurants/2").send())
          .statusCode()).isEqualTo(200);
      Await.until("a batch of spans at the collector", 15_000, () -> !received.isEmpty());
      assertThat(received.get(0)).startsWith("POST /v1/traces application/x-protobuf ").endsWith(" true");

      collector.close().await(10, TimeUnit.SECONDS);
      long started = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        assertThat(Await.result(client.request(HttpMethod.GET, port, "127.0.0.1", "/api/v1/restaurants/3").send())
            .statusCode()).isEqualTo(200);
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("20 reads, collector down")
          .isLessThan(5_000);
    } finally {
      client.close();
      node.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStoppingNodeSendsTheSpansStillQueued() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer collector = collector(received);
    int port = TestNode.freePort();
    ConsolidbNode node = tracingNode(collector, port);
    WebClient client = WebClient.create(collectorVertx);
    try {
      assertThat(Await.result(client.request(HttpMethod.GET, port, "127.0.0.1", "/api/v1/restaurants/2").send())
          .statusCode()).isEqualTo(200);
    } finally {
      client.close();
      // at once: the batch of the read is due only in 2 s, and the node's Vert.x is what sends it
      node.stop().await(30, TimeUnit.SECONDS);
      collector.close().await(10, TimeUnit.SECONDS);
    }
    assertThat(received).as("batches the collector received before the node had stopped")
        .anySatisfy(batch -> assertThat(batch).startsWith("POST /v1/traces ").endsWith(" true"));
  }
}
