package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.consolidb.testsupport.TlsRedis;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The health check's Redis PING goes through the same TLS and ACL options as the cache. */
class RedisTlsHealthTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject redisCheck(String url, String ca) throws Exception {
    NodeSettings settings = NodeSettings.fromJson(new JsonObject()
        .put("environment", "testing")
        .put("database", new JsonObject().put("url", TestServices.databaseUrl()))
        .put("redis", new JsonObject().put("url", url).put("tls", new JsonObject().put("caPath", ca)))
        // the first TLS handshake of a JVM is slow on a busy machine
        .put("health", new JsonObject().put("checkTimeoutMs", 500).put("redisTimeoutMs", 3000)));
    Promise<JsonObject> round = Promise.promise();
    vertx.runOnContext(v -> new HealthProbes(vertx, settings).run().onComplete(round));
    return round.future().await(10, TimeUnit.SECONDS).getJsonObject("checks").getJsonObject("redis");
  }

  @Test
  @DisplayName("rediss:// with the ACL user and the CA: the Redis check is UP")
  void verifiedTls_up() throws Exception {
    assertThat(redisCheck(TestServices.tlsRedisUrl(), TestServices.redisTlsCa()).getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("a CA that did not sign Redis's certificate: the Redis check is DOWN and shows no secret")
  void wrongCa_down() throws Exception {
    JsonObject redis = redisCheck(TestServices.tlsRedisUrl(), TestCerts.foreign().resolve("ca.pem").toString());
    assertThat(redis.getString("status")).isEqualTo("DOWN");
    assertThat(redis.encode()).doesNotContain(TlsRedis.password());
  }
}
