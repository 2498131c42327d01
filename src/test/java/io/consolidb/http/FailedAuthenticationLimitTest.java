package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Failed authentications limited per client address, on a node with its services and
 * PostgreSQL: after {@code HTTP_AUTH_MAX_FAILURES} wrong tokens from one address, that address is
 * answered 429 with {@code Retry-After} on every guarded route, its token not even looked at,
 * while a client on another address (127.0.0.2 on the loopback) and the public routes are served.
 */
class FailedAuthenticationLimitTest {

  private static final String TOKEN = "limit-token-5e02";
  private static final String ADMIN = "limit-admin-19fa";
  private static final int MAX_FAILURES = 3;
  private static final int BLOCK_SECONDS = 120;

  private static TestNode schema;
  private static Vertx vertx;
  private static ConsolidbNode node;
  private static WebClient attacker;
  private static WebClient neighbour;

  @BeforeAll
  static void start() {
    schema = TestNode.create("auth_limit");
    schema.reseed();
    schema.execute("INSERT INTO users (email, display_name) VALUES ('limit@example.com', 'Limit')");
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    JsonObject config = schema.config(port, TOKEN);
    config.getJsonObject("http").put("adminToken", ADMIN)
        .put("auth", new JsonObject().put("maxFailures", MAX_FAILURES).put("windowSeconds", 60)
            .put("blockSeconds", BLOCK_SECONDS));
    node = TestNodes.deploy(vertx, config, Component.QUERY, Component.METRICS, Component.RESTAURANTS,
        Component.USERS, Component.ANALYTICS, Component.HTTP);
    attacker = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    neighbour = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setLocalAddress("127.0.0.2"));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    schema.close();
  }

  private static HttpResponse<Buffer> getUser(WebClient client, String token) throws Exception {
    var request = client.get("/api/v1/users/1");
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.send().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("wrong tokens from one address lead to 429 with Retry-After there, and nowhere else")
  void wrongTokens_blockTheirAddressOnly() throws Exception {
    assertThat(getUser(attacker, TOKEN).statusCode()).as("the right token works at first").isEqualTo(200);
    assertThat(getUser(attacker, null).statusCode()).as("no token is not a failed attempt").isEqualTo(401);
    assertThat(getUser(attacker, ADMIN).statusCode()).as("a valid token without the scope is not one").isEqualTo(403);
    for (int i = 0; i < MAX_FAILURES; i++) {
      assertThat(getUser(attacker, TOKEN + i).statusCode()).as("wrong token %d", i).isEqualTo(401);
    }

    HttpResponse<Buffer> blocked = getUser(attacker, TOKEN);
    assertThat(blocked.statusCode()).as("even the right token, without looking at it").isEqualTo(429);
    assertThat(blocked.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(Integer.parseInt(blocked.getHeader("Retry-After"))).isBetween(BLOCK_SECONDS - 30, BLOCK_SECONDS);
    assertThat(blocked.bodyAsString()).doesNotContain(TOKEN);
    assertThat(attacker.delete("/api/v1/restaurants/1").bearerTokenAuthentication(TOKEN).send()
        .await(10, TimeUnit.SECONDS).statusCode()).as("every guarded route").isEqualTo(429);
    assertThat(attacker.get("/api/v1/restaurants/1").send().await(10, TimeUnit.SECONDS).statusCode())
        .as("public routes are still served to the address").isEqualTo(200);

    assertThat(getUser(neighbour, TOKEN).statusCode()).as("another address with the right token").isEqualTo(200);
    assertThat(getUser(neighbour, TOKEN + "x").statusCode()).as("and its own count").isEqualTo(401);

    HttpResponse<Buffer> metrics = neighbour.get("/metrics").bearerTokenAuthentication(ADMIN).send()
        .await(10, TimeUnit.SECONDS);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.bodyAsString())
        .contains("consolidb_http_auth_failures_total " + (MAX_FAILURES + 1) + ".0")
        .contains("consolidb_http_auth_refused_total 2.0")
        .contains("consolidb_http_auth_addresses 2.0");
  }
}
