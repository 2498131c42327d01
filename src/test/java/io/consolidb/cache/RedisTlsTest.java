package io.consolidb.cache;

import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.consolidb.testsupport.TlsRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The cache against the TLS Redis with an ACL user ({@code scripts/services.sh up}): with
 * {@code rediss://user:password@…} and the CA it reads and writes through Redis; a wrong CA, a
 * host name the certificate lacks, a wrong password and plaintext each leave Redis unused (the
 * tier goes down and reads are answered by the local tier and PostgreSQL, as when Redis is down)
 * and the log names the cause without the password.
 */
class RedisTlsTest {

  private static TestNode node;
  private Vertx vertx;
  private String prefix;
  private RestaurantService service;
  private ListAppender<ILoggingEvent> log;
  private ConsolidbNode deployed;

  @BeforeAll
  static void start() {
    node = TestNode.create("cache_redis_tls");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @BeforeEach
  void setUp() {
    node.reseed();
    vertx = Vertx.vertx();
    prefix = CacheTestKit.uniquePrefix();
    log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(RedisTier.class)).addAppender(log);
  }

  @AfterEach
  void tearDown() throws Exception {
    ((Logger) LoggerFactory.getLogger(RedisTier.class)).detachAppender(log);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("rediss:// with the ACL user and the CA: entries are written to the TLS Redis and read back from it")
  void verifiedTls_readsAndWritesThroughRedis() throws Exception {
    deploy(TestServices.tlsRedisUrl(), TestServices.redisTlsCa());
    assertThat(cacheOutcome(Await.result(service.get(1)))).isEqualTo("MISS");
    Redis direct = Redis.createClient(vertx, verifiedOptions());
    String key = prefix + "restaurants:id:1";
    await(() -> Await.result(direct.send(Request.cmd(Command.EXISTS).arg(key))).toInteger() == 1);
    try {
      long redisHits = stats().getJsonObject("redis").getLong("hits");
      deployed.cache().dropLocalTier();
      assertThat(cacheOutcome(Await.result(service.get(1)))).isEqualTo("HIT");
      assertThat(stats().getJsonObject("redis").getLong("hits")).as("served by the TLS Redis").isGreaterThan(redisHits);
      assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("up");
    } finally {
      Response keys = Await.result(direct.send(Request.cmd(Command.SCAN).arg(0).arg("MATCH").arg(prefix + "*")
          .arg("COUNT").arg(1000)));
      for (Response k : keys.get(1)) {
        Await.result(direct.send(Request.cmd(Command.UNLINK).arg(k.toString())));
      }
      direct.close();
    }
  }

  @Test
  @DisplayName("a CA that did not sign Redis's certificate: Redis is not used, reads answer from PostgreSQL")
  void wrongCa_fallsBack() {
    deploy(TestServices.tlsRedisUrl(), TestCerts.foreign().resolve("ca.pem").toString());
    assertFallsBack("not signed by a trusted CA");
  }

  @Test
  @DisplayName("a host name the certificate does not hold: Redis is not used, reads answer from PostgreSQL")
  void wrongHost_fallsBack() throws Exception {
    TcpProxy proxy = TcpProxy.startOn(vertx, "127.0.0.2", "127.0.0.1", TlsRedis.port()).await(30, TimeUnit.SECONDS);
    deploy(TlsRedis.url(TlsRedis.password(), "127.0.0.2", proxy.port()), TestServices.redisTlsCa());
    assertFallsBack("does not name the host 127.0.0.2");
  }

  @Test
  @DisplayName("a wrong password: Redis is not used, reads answer from PostgreSQL")
  void wrongPassword_fallsBack() {
    deploy(TlsRedis.url("not-the-password", "127.0.0.1", TlsRedis.port()), TestServices.redisTlsCa());
    assertFallsBack("WRONGPASS");
    assertThat(logText()).doesNotContain("not-the-password");
  }

  @Test
  @DisplayName("plaintext redis:// against the TLS port: Redis is not used, reads answer from PostgreSQL")
  void plaintext_fallsBack() {
    deploy(TlsRedis.url(TlsRedis.password(), "127.0.0.1", TlsRedis.port()).replace("rediss://", "redis://"), "");
    assertFallsBack("closed the connection");
  }

  private void deploy(String url, String ca) {
    JsonObject config = CacheTestKit.config(node, 0, url, prefix);
    // each failure must be the handshake's or the ACL's, not a timeout: a JVM's first TLS
    // handshake on a busy machine can take longer than the 250 ms the kit sets
    config.getJsonObject("redis").put("tls", new JsonObject().put("caPath", ca)).put("timeoutSeconds", 2.0);
    deployed = CacheTestKit.deploy(vertx, config);
    service = deployed.inProcess().inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 5000);
  }

  /** Reads keep answering (from PostgreSQL, then the local tier), the tier goes down, the log says why. */
  private void assertFallsBack(String cause) {
    for (long id = 1; id <= 4; id++) {
      assertThat(cacheOutcome(Await.result(service.get(id)))).isEqualTo("MISS");
    }
    assertThat(cacheOutcome(Await.result(service.get(1)))).as("served by the local tier").isEqualTo("HIT");
    await(() -> "down".equals(stats().getJsonObject("redis").getString("state")));
    assertThat(stats().getLong("fallbacks")).isPositive();
    await(() -> logText().contains("Redis unavailable"));
    assertThat(logText()).contains(cause).doesNotContain(TlsRedis.password());
  }

  private String logText() {
    return String.join("\n", log.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  /** Options built here, not by the code under test: the entry must really be in the TLS Redis. */
  private static RedisOptions verifiedOptions() {
    return new RedisOptions().setConnectionString(TestServices.tlsRedisUrl())
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(5000).setSsl(true)
            .setHostnameVerificationAlgorithm("HTTPS")
            .setTrustOptions(new PemTrustOptions().addCertPath(TestServices.redisTlsCa())));
  }

  private JsonObject stats() {
    return Await.result(vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, new JsonObject())).body();
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
