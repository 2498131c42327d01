package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.properties.ClusterProperty;
import io.consolidb.cache.CacheSpec;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Three clustered nodes on 127.0.0.1: A (query, cache with its local tier, health, HTTP, metrics;
 * expects three members), B (Vert.x and the membership only) and C, which each test starts and
 * stops. What A shows and does as C joins and leaves.
 */
class ClusterMembershipTest {

  private static final String MEMBERS = "127.0.0.1:5941,127.0.0.1:5942,127.0.0.1:5943";
  private static final String SQL = "SELECT 7 AS seven";
  /**
   * Hazelcast gathers join requests for 5 s before a member is admitted; one second is enough for
   * members on one machine and keeps each join in this class short. Read when a member starts.
   */
  private static final String WAIT_BEFORE_JOIN = "hazelcast.wait.seconds.before.join";
  /** A's health rounds run only on a membership change during a test (and at start). */
  private static final String INTERVAL_SECONDS = "60";

  /** What ClusterMembership logs; appended to from Hazelcast's threads. */
  private static final List<ILoggingEvent> logged = new CopyOnWriteArrayList<>();
  private static final AppenderBase<ILoggingEvent> log = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      logged.add(event);
    }
  };
  private static final Logger logger = (Logger) LoggerFactory.getLogger(ClusterMembership.class);
  private static ConsolidbNode a;
  private static ConsolidbNode b;
  private static WebClient http;
  private ConsolidbNode c;

  private static NodeSettings settings(int clusterPort, Map<String, String> more) {
    Map<String, String> env = new HashMap<>(Map.of("CONSOLIDB_ENV", "testing",
        "DATABASE_URL", TestServices.databaseUrl(), "REDIS_URL", TestServices.redisUrl(), "DB_MIGRATE", "false",
        "CLUSTER_ENABLED", "true", "CLUSTER_PORT", Integer.toString(clusterPort), "CLUSTER_MEMBERS", MEMBERS,
        "DB_ENABLE_METRICS", "false"));
    env.putAll(more);
    return ConfigLoader.loadBlocking(env);
  }

  @BeforeAll
  static void startTwoNodes() throws Exception {
    System.setProperty(WAIT_BEFORE_JOIN, "1");
    log.start();
    logger.addAppender(log);
    int httpPort = TestNode.freePort();
    // Redis off: a value read again after the local tier was dropped must come from the database.
    // Thresholds that have nothing to do with the cluster are relaxed, so only the membership moves the level.
    a = ConsolidbNode.start(settings(5941, Map.ofEntries(Map.entry("DB_ENABLE_METRICS", "true"),
            Map.entry("CLUSTER_EXPECTED_MEMBERS", "3"), Map.entry("DB_CACHE_ENABLED", "true"),
            Map.entry("REDIS_ENABLED", "false"), Map.entry("HTTP_HOST", "127.0.0.1"),
            Map.entry("HTTP_PORT", Integer.toString(httpPort)), Map.entry("DB_HEALTH_CHECK_INTERVAL", INTERVAL_SECONDS),
            Map.entry("HEALTH_EVENT_LOOP_DELAY_MS", "5000"), Map.entry("HEALTH_SLOW_RESPONSE_MS", "5000"))),
        EnumSet.of(Component.QUERY, Component.CACHE, Component.HEALTH, Component.HTTP)).await(60, TimeUnit.SECONDS);
    b = ConsolidbNode.start(settings(5942, Map.of()), EnumSet.noneOf(Component.class)).await(60, TimeUnit.SECONDS);
    http = WebClient.create(a.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));
    Await.until("A sees B", 10_000, () -> cluster().getInteger("members") == 2);
  }

  @AfterEach
  void stopC() throws Exception {
    if (c != null) {
      c.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopTwoNodes() throws Exception {
    try {
      http.close();
      b.stop().await(30, TimeUnit.SECONDS);
      a.stop().await(30, TimeUnit.SECONDS);
    } finally {
      logger.detachAppender(log);
      System.clearProperty(WAIT_BEFORE_JOIN);
    }
  }

  @Test
  @DisplayName("a third member joining and leaving shows in /health's cluster section and the gauge, and moves"
      + " the level between DEGRADED (fewer than expected) and HEALTHY at once")
  void joinAndLeave_healthSectionGaugeAndLevel() throws Exception {
    JsonObject two = awaitReport("DEGRADED", 2);
    assertThat(two.getString("reason")).isEqualTo("cluster: 2 members, 3 expected");
    assertThat(two.getJsonObject("checks").getJsonObject("cluster"))
        .isEqualTo(new JsonObject().put("status", "WARN").put("members", 2).put("expected_members", 3));
    JsonObject section = two.getJsonObject("cluster");
    assertThat(section.fieldNames())
        .containsExactlyInAnyOrder("enabled", "members", "expected_members", "this_member", "last_change", "member_list",
            "clients");
    assertThat(section.getBoolean("enabled")).isTrue();
    assertThat(section.getString("this_member")).isEqualTo(address(a));
    assertThat(section.getJsonArray("member_list").stream().map(m -> ((JsonObject) m).getString("address")))
        .containsExactly(address(a), address(b)); // oldest first
    assertThat(section.getJsonArray("member_list").getJsonObject(0))
        .isEqualTo(new JsonObject().put("address", address(a)).put("id", nodeId(a)).put("self", true));
    assertThat(section.getJsonArray("member_list").getJsonObject(1).getBoolean("self")).isFalse();
    assertThat(gauge()).isEqualTo(2.0);
    Instant before = Instant.parse(section.getString("last_change"));

    // A's health rounds are 60 s apart: only the change itself can re-evaluate the level this fast
    c = ConsolidbNode.start(settings(5943, Map.of("DB_ENABLE_METRICS", "true")), EnumSet.noneOf(Component.class))
        .await(60, TimeUnit.SECONDS);
    JsonObject three = awaitReport("HEALTHY", 3);
    assertThat(three.containsKey("reason")).isFalse();
    assertThat(three.getJsonObject("checks").getJsonObject("cluster").getString("status")).isEqualTo("UP");
    assertThat(three.getJsonObject("cluster").getJsonArray("member_list").stream()
        .map(m -> ((JsonObject) m).getString("address"))).containsExactly(address(a), address(b), address(c));
    Instant joined = Instant.parse(three.getJsonObject("cluster").getString("last_change"));
    assertThat(joined).isAfter(before);
    assertThat(gauge()).isEqualTo(3.0);
    assertThat(((PrometheusMeterRegistry) a.registry()).scrape()).contains("consolidb_cluster_members 3.0");
    assertThat(c.registry().find(ClusterMembership.GAUGE).gauge().value()).isEqualTo(3.0);

    c.stop().await(30, TimeUnit.SECONDS);
    JsonObject back = awaitReport("DEGRADED", 2);
    assertThat(back.getString("reason")).isEqualTo("cluster: 2 members, 3 expected");
    assertThat(Instant.parse(back.getJsonObject("cluster").getString("last_change"))).isAfter(joined);
    assertThat(gauge()).isEqualTo(2.0);
    assertThat(c.registry().find(ClusterMembership.GAUGE).gauge()).as("removed when C stopped").isNull();
    c = null;
  }

  @Test
  @DisplayName("a join and a departure each drop A's local cache tier and are logged once on every other member")
  void joinAndLeave_dropLocalTierAndLogOnce() throws Exception {
    CacheSpec spec = new CacheSpec(300, "members:seven", List.of("cluster-members-test"));
    read(spec);
    assertThat(read(spec)).as("the second read is a local hit").isTrue();
    long drops = localDrops();
    logged.clear();

    c = ConsolidbNode.start(settings(5943, Map.of()), EnumSet.noneOf(Component.class)).await(60, TimeUnit.SECONDS);
    String cAddress = address(c);
    String nodeId = nodeId(c);
    Await.until("A dropped its local tier after C joined", 10_000, () -> localDrops() == drops + 1);
    assertThat(read(spec)).as("the entry went with the local tier: read from the database").isFalse();
    assertThat(read(spec)).isTrue();
    String joined = "member " + cAddress + " (" + nodeId + ") joined, 3 members";
    awaitChanges(joined, 2); // logged by A and by B
    assertThat(changes(joined)).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
    assertThat(drops()).hasSize(1).allSatisfy(e -> assertThat(e.getFormattedMessage())
        .contains(joined + "; dropped the local cache tier (1 entries)"));

    logged.clear();
    c.stop().await(30, TimeUnit.SECONDS);
    c = null;
    Await.until("A dropped its local tier after C left", 10_000, () -> localDrops() == drops + 2);
    assertThat(read(spec)).as("read from the database again").isFalse();
    String left = "member " + cAddress + " (" + nodeId + ") left, 2 members";
    awaitChanges(left, 2);
    assertThat(changes(left)).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));
    assertThat(drops()).hasSize(1).allSatisfy(e -> assertThat(e.getFormattedMessage()).contains(left));
    assertThat(changes("")).as("nothing else logged").hasSize(2);
    assertThat(localDrops()).as("one drop per change").isEqualTo(drops + 2);
  }

  @Test
  @DisplayName("with every Hazelcast event thread of A held, A's /health, level and local tier still follow a join"
      + " and a departure, each logged once")
  void heldEventThreads_viewFollowsTheMemberList() throws Exception {
    HazelcastInstance hazelcast = ((HazelcastClusterManager) ((VertxInternal) a.vertx()).clusterManager())
        .getHazelcastInstance();
    String configured = hazelcast.getConfig().getProperty(ClusterProperty.EVENT_THREAD_COUNT.getName());
    int eventThreads = Integer.parseInt(configured != null ? configured : ClusterProperty.EVENT_THREAD_COUNT.getDefaultValue());
    // A listener has one of the event threads (by its registration id): enough listeners hold them all,
    // as vertx-hazelcast's listener does with blocking map operations while partitions migrate
    CountDownLatch release = new CountDownLatch(1);
    Set<String> held = ConcurrentHashMap.newKeySet();
    MembershipListener holder = new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        hold();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        hold();
      }

      private void hold() {
        held.add(Thread.currentThread().getName());
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    List<UUID> holders = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      holders.add(hazelcast.getCluster().addMembershipListener(holder));
    }
    CacheSpec spec = new CacheSpec(300, "members:held", List.of("cluster-members-test"));
    read(spec);
    long drops = localDrops();
    logged.clear();
    String cMember;
    try {
      c = ConsolidbNode.start(settings(5943, Map.of()), EnumSet.noneOf(Component.class)).await(60, TimeUnit.SECONDS);
      cMember = "member " + address(c) + " (" + nodeId(c) + ") ";
      Await.until("every event thread of A held", 10_000, () -> held.size() == eventThreads);
      awaitReport("HEALTHY", 3);
      Await.until("A dropped its local tier after C joined", 5_000, () -> localDrops() == drops + 1);
      c.stop().await(30, TimeUnit.SECONDS);
      awaitReport("DEGRADED", 2);
      Await.until("A dropped its local tier after C left", 5_000, () -> localDrops() == drops + 2);
      assertThat(release.getCount()).as("the events still held").isEqualTo(1);
    } finally {
      release.countDown();
      holders.forEach(id -> hazelcast.getCluster().removeMembershipListener(id));
    }
    c = null;
    // logged by A and by B, once each, also after the held events arrived
    awaitChanges(cMember + "joined", 2);
    awaitChanges(cMember + "left", 2);
    assertThat(localDrops()).as("one drop per change, none when the held events arrive").isEqualTo(drops + 2);
  }

  // ---- helpers

  private static JsonObject report() {
    return Await.result(http.get("/health").send()).bodyAsJsonObject();
  }

  private static JsonObject cluster() {
    return report().getJsonObject("cluster");
  }

  /** Polls A's /health until it shows {@code status} with {@code members}; fails with the last report. */
  private static JsonObject awaitReport(String status, int members) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject last = report();
    while (!(status.equals(last.getString("status")) && last.getJsonObject("cluster").getInteger("members") == members)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not " + status + " with " + members + " members within 10 s: " + last.encodePrettily());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      last = report();
    }
    return last;
  }

  private static double gauge() {
    Gauge gauge = a.registry().find(ClusterMembership.GAUGE).gauge();
    assertThat(gauge).as("the members gauge in A's registry").isNotNull();
    return gauge.value();
  }

  private static com.hazelcast.cluster.Member member(ConsolidbNode node) {
    return ((HazelcastClusterManager) ((VertxInternal) node.vertx()).clusterManager()).getHazelcastInstance()
        .getCluster().getLocalMember();
  }

  private static String address(ConsolidbNode node) {
    return ClusterMembership.Member.address(member(node).getAddress().getHost(), member(node).getAddress().getPort());
  }

  private static String nodeId(ConsolidbNode node) {
    return member(node).getUuid().toString();
  }

  private static boolean read(CacheSpec spec) {
    return Await.result(new QueryClient(a.vertx(), 5000, a.cache()).readCached("t", SQL, null, spec)).cached();
  }

  private static long localDrops() {
    return a.cache().stats().getJsonObject("local").getLong("drops");
  }

  private static final String DROPPED = "dropped the local cache tier";

  /** Logged joins and departures containing {@code text}. */
  private static List<ILoggingEvent> changes(String text) {
    return logged.stream().filter(e -> !e.getFormattedMessage().contains(DROPPED))
        .filter(e -> e.getFormattedMessage().contains(text)).toList();
  }

  private static List<ILoggingEvent> drops() {
    return logged.stream().filter(e -> e.getFormattedMessage().contains(DROPPED)).toList();
  }

  /**
   * A and B log on Hazelcast's threads, each in its own time: waits for {@code count} lines, then a
   * little longer, so that a duplicate would show, and asserts exactly {@code count}.
   */
  private static void awaitChanges(String text, int count) throws InterruptedException {
    Await.until(count + " lines with '" + text + "'", 5000, () -> changes(text).size() >= count);
    Thread.sleep(300);
    assertThat(changes(text)).hasSize(count);
  }
}
