package io.consolidb.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Main;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.JavaProcess;
import io.consolidb.testsupport.TestServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a node running as its own process ({@code consolidb run}): readiness answers 503
 * at once while the node keeps serving for the drain period, then it stops and exits 0.
 */
class ShutdownDrainTest {

  private static final double DRAIN_SECONDS = 3;
  private static TestNode schema;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void createSchema() {
    schema = TestNode.create("shutdown_drain");
  }

  @AfterAll
  static void dropSchema() throws Exception {
    schema.close();
  }

  @Test
  @DisplayName("SIGTERM: ready 503 at once, reads served through the drain, then a clean exit 0")
  void sigterm_drainsThenExitsZero() throws Exception {
    int port = TestNode.freePort();
    long id = schema.queryLong("INSERT INTO restaurants (name, city, latitude, longitude)"
        + " VALUES ('Drain Diner', 'Teaneck', 40.89, -74.01) RETURNING id");
    Map<String, String> env = Map.of("CONSOLIDB_ENV", "testing", "DATABASE_URL", schema.databaseUrl(),
        "REDIS_URL", TestServices.redisUrl(), "DB_MIGRATE", "false", "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", Integer.toString(port), "SHUTDOWN_DRAIN_SECONDS", Double.toString(DRAIN_SECONDS),
        "DB_HEALTH_CHECK_INTERVAL", "1");
    try (JavaProcess node = JavaProcess.start("shutdown-drain-node", Main.class, env, "run")) {
      awaitStatus(port, "/health/ready", 200, 90);

      long signalled = System.nanoTime();
      node.terminate();
      awaitStatus(port, "/health/ready", 503, 2);
      long notReadyMs = (System.nanoTime() - signalled) / 1_000_000;
      assertThat(notReadyMs).as("ms until readiness answered 503").isLessThan(1500);
      HttpResponse<String> ready = get(port, "/health/ready");
      assertThat(ready.body()).contains("shutting down");

      // still serving while load balancers notice
      assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
      HttpResponse<String> read = get(port, "/api/v1/restaurants/" + id);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(read.body()).contains("Drain Diner");

      int code = node.exitCode(60);
      long stoppedMs = (System.nanoTime() - signalled) / 1_000_000;
      assertThat(code).as("exit code").isZero();
      assertThat(stoppedMs).as("ms from SIGTERM to exit").isGreaterThanOrEqualTo((long) (DRAIN_SECONDS * 1000));
      String log = Files.readString(Path.of("target", "shutdown-drain-node.log"));
      assertThat(log).contains("node: drain over").contains("node: stopped").doesNotContain("unclean stop");
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitStatus(int port, String path, int status, long seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    int last = -1;
    while (System.nanoTime() < deadline) {
      try {
        last = get(port, path).statusCode();
        if (last == status) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError(path + " answered " + last + ", not " + status + ", within " + seconds + " s");
  }
}
