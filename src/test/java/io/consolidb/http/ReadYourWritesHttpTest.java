package io.consolidb.http;

import static io.consolidb.http.HttpApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.ReplicaCluster;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code X-Consolidb-LSN} end to end, on a node reading from the real streaming replica of
 * {@code REPLICA=1 scripts/services.sh up}: a write answers its LSN, a read sent with it sees the
 * write, a header that is no LSN answers 400.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("read-your-writes over HTTP")
class ReadYourWritesHttpTest {

  private static final String TOKEN = "test-api-token-lsn-4c1d";
  private static final String LSN = "X-Consolidb-LSN";
  private static TestNode node;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_lsn");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx) {
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE");
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = node.config(port, TOKEN);
    String replica = TestServices.readDatabaseUrl() + "?search_path="
        + URLEncoder.encode(node.schema() + ",public", StandardCharsets.UTF_8);
    config.getJsonObject("database").put("replicas", new JsonObject().put("urls", replica).put("pollMs", 20));
    // rounds every 250 ms: what /health shows follows the replica's polls closely
    config.put("health", new JsonObject().put("intervalSeconds", 0.25));
    Await.result(TestNode.deployServicesAndHttp(vertx, config, true));
  }

  @Test
  @DisplayName("every write answers its LSN; a read sent with it sees the write, round after round")
  void writeThenReadWithItsLsn() {
    for (int i = 1; i <= 30; i++) {
      HttpResponse<Buffer> created = Await.result(client.post("/api/v1/users").bearerTokenAuthentication(TOKEN)
          .sendJsonObject(new JsonObject().put("email", "u" + i + "@example.com").put("display_name", "U" + i)));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      String lsn = created.getHeader(LSN);
      assertThat(lsn).as("the LSN of write %d", i).matches("[0-9A-F]+/[0-9A-F]+");

      HttpResponse<Buffer> read = Await.result(client.get(created.getHeader("Location"))
          .bearerTokenAuthentication(TOKEN).putHeader(LSN, lsn).send());
      assertThat(read.statusCode()).as("read %d with its LSN: %s", i, read.bodyAsString()).isEqualTo(200);
      assertThat(read.bodyAsJsonObject().getString("email")).isEqualTo("u" + i + "@example.com");
      assertThat(read.getHeader(LSN)).as("a read answers no LSN").isNull();
    }
  }

  @Test
  @DisplayName("/health shows each replica by host:port with its state and lag, never its password")
  void healthShowsReplicas() {
    String password = TestNode.databasePassword();
    // up, or lagging while the replica replays what the suite's other classes wrote (the lag is
    // what this shows; ReadReplicasTest proves the transitions): reachable, either way. A failure
    // names what health last showed (the reason of a replica down) and what the replica says itself.
    AtomicReference<Object> lastSeen = new AtomicReference<>();
    Await.until("a health round that saw the replica reachable", 20_000, () -> {
      JsonObject health = Await.result(client.get("/health").send()).bodyAsJsonObject();
      lastSeen.set(health.getValue("replicas", health.getValue("checks")));
      JsonObject replica = health.getJsonArray("replicas") == null ? null : health.getJsonArray("replicas").getJsonObject(0);
      return replica != null && List.of("up", "lagging").contains(replica.getString("status"));
    }, () -> lastSeen.get() + "; the replica itself: " + ReplicaCluster.describe());
    HttpResponse<Buffer> health = Await.result(client.get("/health").send());
    JsonObject replica = health.bodyAsJsonObject().getJsonArray("replicas").getJsonObject(0);
    assertThat(replica.getString("name")).isEqualTo(
        io.vertx.pgclient.PgConnectOptions.fromUri(TestServices.readDatabaseUrl()).getHost() + ":"
            + io.vertx.pgclient.PgConnectOptions.fromUri(TestServices.readDatabaseUrl()).getPort());
    assertThat(replica.getLong("lag_ms")).isNotNull().isGreaterThanOrEqualTo(0);
    assertThat(replica.getString("replayed_lsn")).matches("[0-9A-F]+/[0-9A-F]+");
    assertThat(health.bodyAsString()).doesNotContain(":" + password + "@");
  }

  @Test
  @DisplayName("an X-Consolidb-LSN that is not an LSN answers 400 naming the header")
  void badHeaderIs400() {
    HttpResponse<Buffer> refused = Await.result(client.get("/api/v1/users/1").bearerTokenAuthentication(TOKEN)
        .putHeader(LSN, "yesterday").send());
    assertProblem(refused, 400, null);
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains(LSN).contains("0/16B3748");
  }
}
