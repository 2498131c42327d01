package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP verticle alone, with neither the query verticle nor the restaurant service deployed:
 * the node is alive but not ready, and restaurant routes say the service is unavailable.
 */
@ExtendWith(VertxExtension.class)
class HttpWithoutServicesTest {

  private WebClient client;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("apiToken", "t"))
        .put("database", new JsonObject().put("url", "postgresql://u:secret-pw@127.0.0.1:5432/db")
            .put("queryTimeoutMs", 500));
    TestNode.deployHttp(vertx, config).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("live answers 200 and ready answers 503 DOWN with a reason when the database cannot be queried")
  void probes(VertxTestContext ctx) {
    client.get("/health/live").send()
        .compose(live -> {
          ctx.verify(() -> {
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
          });
          return client.get("/health/ready").send();
        })
        .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
          assertThat(ready.statusCode()).isEqualTo(503);
          assertThat(ready.getHeader("Content-Type")).isEqualTo("application/json");
          assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
          assertThat(ready.bodyAsJsonObject().getString("reason")).isNotBlank();
          assertThat(ready.bodyAsString()).doesNotContain("secret-pw");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a restaurant route answers 503 problem+json when no node serves the restaurant service")
  void restaurants_unavailable(VertxTestContext ctx) {
    client.get("/api/v1/restaurants/1").send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      HttpApiTest.assertProblem(response, 503, null);
      assertThat(response.bodyAsString()).doesNotContain("secret-pw");
      ctx.completeNow();
    })));
  }
}
