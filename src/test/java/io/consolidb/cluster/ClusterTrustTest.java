package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.consolidb.Addresses;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cluster.CallerTokens.Role;
import io.consolidb.config.ClusterSettings;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.JavaProcess;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The cluster as a trust boundary (docs/CLUSTER.md), with mutual TLS and a cluster secret: two
 * members (one serving restaurants with a local cache tier, one calling it), an application with a
 * certificate, and rogue members in separate JVMs that join Hazelcast with the right cluster name.
 */
class ClusterTrustTest {

  private static final String MEMBERS = "127.0.0.1:5951,127.0.0.1:5952,127.0.0.1:5953,127.0.0.1:5954";
  private static final String SECRET = "trust-test-secret-0123456789abcdef0123456789";
  private static final String CACHED_KEY = "trust:answer";
  private static TestNode schema;
  private static ConsolidbNode serving;
  private static ConsolidbNode asking;
  private static String prefix;

  private static NodeSettings settings(int port, String cert) {
    Map<String, String> variables = new HashMap<>(Map.ofEntries(Map.entry("CONSOLIDB_ENV", "testing"),
        Map.entry("DATABASE_URL", schema.databaseUrl()), Map.entry("REDIS_URL", TestServices.redisUrl()),
        Map.entry("DB_MIGRATE", "false"), Map.entry("DB_CACHE_ENABLED", "true"),
        Map.entry("DB_CACHE_KEY_PREFIX", prefix), Map.entry("CLUSTER_ENABLED", "true"),
        Map.entry("CLUSTER_PORT", Integer.toString(port)), Map.entry("CLUSTER_MEMBERS", MEMBERS),
        Map.entry("CLUSTER_SECRET", SECRET), Map.entry("DB_ENABLE_METRICS", "false")));
    variables.putAll(TestCerts.tlsVariables(TestCerts.ours(), cert));
    return ConfigLoader.loadBlocking(variables);
  }

  /**
   * Hazelcast's master gathers join requests for 5 s before it admits a member; one second is
   * enough on one machine and takes 4 s off each rogue's join (three of them). Read when a member
   * starts.
   */
  private static final String WAIT_BEFORE_JOIN = "hazelcast.wait.seconds.before.join";

  @BeforeAll
  static void startTwoMembers() throws Exception {
    System.setProperty(WAIT_BEFORE_JOIN, "1");
    schema = TestNode.create("cluster_trust");
    prefix = "consolidb-test:" + java.util.UUID.randomUUID().toString().substring(0, 8) + ":";
    serving = ConsolidbNode.start(settings(5951, "node1"),
        EnumSet.of(Component.QUERY, Component.CACHE, Component.RESTAURANTS)).await(60, TimeUnit.SECONDS);
    asking = ConsolidbNode.start(settings(5952, "node2"), EnumSet.of(Component.QUERY)).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      asking.stop().await(30, TimeUnit.SECONDS);
      serving.stop().await(30, TimeUnit.SECONDS);
      schema.close();
    } finally {
      System.clearProperty(WAIT_BEFORE_JOIN);
    }
  }

  @Test
  @DisplayName("a member's calls carry its token and are served by another member over mutual TLS")
  void memberCall_servedAcrossTheCluster() throws Exception {
    long id = createdOnServingNode("Trusted Deli");
    JsonObject found = Await.result(untilRegistered(() -> RestaurantService.createProxy(asking.vertx(), 5000).get(id)));
    assertThat(found.getString("name")).isEqualTo("Trusted Deli");
  }

  @Test
  @DisplayName("an application with a certificate but no token is refused (401); with a caller token it is served")
  void application_needsACallerToken() throws Exception {
    Path certs = TestCerts.ours();
    ClusterSettings client = new ClusterSettings(true, "127.0.0.1", 5954, List.of(MEMBERS.split(",")), "", 0,
        new ClusterSettings.Tls(certs.resolve("client.pem").toString(), certs.resolve("client-key.pem").toString(),
            certs.resolve("ca.pem").toString()), "", 0, 6);
    awaitTwoMembers();
    fillLocalTier();
    Vertx application = Vertx.builder().with(new VertxOptions().setEventBusOptions(HazelcastClusterConfig.eventBusOptions(client)))
        .withClusterManager(HazelcastClusterConfig.clientClusterManager(client)).buildClustered().await(60, TimeUnit.SECONDS);
    try {
      // it joins as a client: counted apart, and the members keep their local tiers
      Await.until("the serving member counts the client", 10_000, () -> serving.membership().view().clients() == 1);
      assertThat(serving.membership().view().size()).isEqualTo(2);
      assertThat(serving.cache().peekLocal(CACHED_KEY)).as("a client's join drops no local tier").isNotNull();

      long before = schema.queryLong("SELECT count(*) FROM restaurants");
      RestaurantService anonymous = new ServiceProxyBuilder(application).setAddress(Addresses.RESTAURANTS)
          .setOptions(new DeliveryOptions().setSendTimeout(5000)).build(RestaurantService.class);
      ReplyException refused = catchThrowableOfType(ReplyException.class,
          () -> Await.result(untilRegistered(() -> anonymous.create(restaurant("Anonymous Cafe")))));
      assertThat(refused.failureCode()).isEqualTo(401);
      assertThat(schema.queryLong("SELECT count(*) FROM restaurants")).isEqualTo(before);

      String token = new CallerTokens(application, SECRET, "test").mint("billing", Role.CALLER, Duration.ofMinutes(5));
      RestaurantService withToken = RestaurantService.createCallerProxy(application, 5000, token);
      JsonObject created = Await.result(withToken.create(restaurant("Billing Bistro")));
      assertThat(created.getString("name")).isEqualTo("Billing Bistro");
      assertThat(schema.queryLong("SELECT count(*) FROM restaurants")).isEqualTo(before + 1);

      // a caller token is not a member's: its invalidations are dropped
      fillLocalTier();
      long applied = appliedFromOtherNodes();
      application.eventBus().publish(Addresses.CACHE_INVALIDATIONS, new JsonObject().put("pattern", "*")
          .put("origin", "application"), new DeliveryOptions().addHeader(CallerTokens.HEADER, token));
      Await.until("the caller's invalidation was refused", 10_000, () -> refusedInvalidations() >= 1);
      assertThat(appliedFromOtherNodes()).as("invalidations applied from other nodes").isEqualTo(applied);
      assertThat(serving.cache().peekLocal(CACHED_KEY)).as("the local tier kept its entry").isNotNull();
    } finally {
      application.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a rogue JVM without a certificate cannot write, cannot flush a local tier, and takes no calls")
  void rogueWithoutCertificate_getsNothing() throws Exception {
    assertRogueGetsNothing(new String[0], NEVER_REACHED);
  }

  @Test
  @DisplayName("a rogue JVM with a certificate from another CA gets nothing either")
  void rogueWithForeignCertificate_getsNothing() throws Exception {
    Path foreign = TestCerts.foreign();
    assertRogueGetsNothing(new String[] {foreign.resolve("rogue.pem").toString(),
        foreign.resolve("rogue-key.pem").toString(), foreign.resolve("ca.pem").toString()}, NEVER_REACHED);
  }

  @Test
  @DisplayName("a rogue JVM with a valid certificate but no secret cannot write without a token and takes no calls")
  void rogueWithValidCertificate_butNoSecret_getsNothing() throws Exception {
    Path ours = TestCerts.ours();
    assertRogueGetsNothing(new String[] {ours.resolve("client.pem").toString(),
        ours.resolve("client-key.pem").toString(), ours.resolve("ca.pem").toString()},
        "create failed RECIPIENT_FAILURE 401");
  }

  /** A send whose connection the members refused (TLS): it times out, the service never saw it. */
  private static final String NEVER_REACHED = "create failed TIMEOUT";

  /** @param createFailure how the rogue's attempt to create a restaurant must fail */
  private static void assertRogueGetsNothing(String[] tls, String createFailure) throws Exception {
    long id = createdOnServingNode("Honest Diner");
    RestaurantService proxy = RestaurantService.createProxy(asking.vertx(), 5000);
    Await.result(untilRegistered(() -> proxy.get(id)));
    long before = schema.queryLong("SELECT count(*) FROM restaurants");
    String[] args = new String[2 + tls.length];
    args[0] = "5953";
    args[1] = MEMBERS;
    System.arraycopy(tls, 0, args, 2, tls.length);
    try (JavaProcess rogue = JavaProcess.start("rogue-member", RogueMember.class, Map.of(), args)) {
      assertThat(rogue.report(90)).isEqualTo("joined");
      rogue.tell("create");
      assertThat(rogue.report(30)).startsWith(createFailure);
      assertThat(schema.queryLong("SELECT count(*) FROM restaurants")).isEqualTo(before);

      rogue.tell("register");
      assertThat(rogue.report(30)).isEqualTo("registered");
      Thread.sleep(1000); // its registration has reached every member

      // legitimate calls keep being served, none by the rogue
      int failed = 0;
      for (int i = 0; i < 60; i++) {
        try {
          JsonObject found = proxy.get(id).await(10, TimeUnit.SECONDS);
          assertThat(found.getString("name")).isEqualTo("Honest Diner");
        } catch (Exception e) {
          failed++;
        }
      }
      assertThat(failed).as("legitimate calls that failed while the rogue was a member").isZero();
      rogue.tell("served");
      assertThat(rogue.report(10)).isEqualTo("served 0");

      // a join drops every local tier (by design, docs/CLUSTER.md): fill it once the rogue is in
      fillLocalTier();
      Instant filled = serving.membership().view().lastChange();
      long applied = appliedFromOtherNodes();
      rogue.tell("invalidate");
      assertThat(rogue.report(10)).isEqualTo("invalidated");
      Thread.sleep(1500);
      assertThat(appliedFromOtherNodes()).as("invalidations applied from other nodes").isEqualTo(applied);
      if (serving.membership().view().lastChange().equals(filled)) { // else a membership change dropped it
        assertThat(serving.cache().peekLocal(CACHED_KEY)).as("the local tier kept its entry").isNotNull();
      }
      rogue.tell("quit");
      // a clean leave takes its registrations along: the next test's callers never see them
      assertThat(rogue.exitCode(30)).isZero();
    }
    awaitTwoMembers();
  }

  /** Until both members see only each other, and the local-tier drop of the last change is done. */
  private static void awaitTwoMembers() throws InterruptedException {
    Await.until("two members again", 20_000, () -> serving.membership().view().size() == 2
        && asking.membership().view().size() == 2);
    Thread.sleep(300);
  }

  private static long appliedFromOtherNodes() {
    return serving.cache().stats().getJsonObject("invalidations").getLong("from_other_nodes");
  }

  private static long refusedInvalidations() {
    return serving.cache().stats().getJsonObject("invalidations").getLong("refused", 0L);
  }

  private static void fillLocalTier() {
    Await.result(new QueryClient(serving.vertx(), 5000, serving.cache())
        .readCached("trust", "SELECT 42 AS answer", null, new CacheSpec(300, CACHED_KEY, List.of())));
    assertThat(serving.cache().peekLocal(CACHED_KEY)).isNotNull();
  }

  private static long createdOnServingNode(String name) {
    return Await.result(RestaurantService.createProxy(serving.vertx(), 5000).create(restaurant(name))).getLong("id");
  }

  private static JsonObject restaurant(String name) {
    return new JsonObject().put("name", name).put("city", "Teaneck").put("latitude", 40.89).put("longitude", -74.01);
  }

  /** The call again while the service's registration has not reached the caller (up to 15 s). */
  private static <T> io.vertx.core.Future<T> untilRegistered(java.util.function.Supplier<io.vertx.core.Future<T>> call) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    return retry(call, deadline);
  }

  private static <T> io.vertx.core.Future<T> retry(java.util.function.Supplier<io.vertx.core.Future<T>> call, long deadline) {
    return call.get().recover(failure -> {
      if (failure instanceof ReplyException reply && reply.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS
          && System.nanoTime() < deadline) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return retry(call, deadline);
      }
      return io.vertx.core.Future.failedFuture(failure);
    });
  }
}
