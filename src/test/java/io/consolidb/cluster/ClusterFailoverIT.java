package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.JavaProcess;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Failover and restarts proven on real processes: three consolidb nodes from the fat jar, each a
 * JVM of its own started by {@code scripts/cluster.sh} (mutual TLS on the event bus, a cluster
 * secret, three expected members), and two kinds of caller that never stop while nodes are
 * restarted, killed and frozen:
 * <ul>
 *   <li>another application in a JVM of its own ({@link ExampleClient}) that joins the cluster with
 *       its own certificate and a caller token and reads a restaurant through the generated proxy
 *       every {@value #CALL_PERIOD_MS} ms;</li>
 *   <li>HTTP reads of the same restaurant every {@value #CALL_PERIOD_MS} ms through a
 *       load balancer driven by {@code /health/ready} ({@link HttpLoad}).</li>
 * </ul>
 * For each scenario it records the calls sent and failed, the longest time without a successful
 * answer and how long the membership (every other node's {@code /health} {@code cluster.member_list})
 * took to show the change, and writes the table to {@code target/cluster-report.md}.
 *
 * <p>Runs in the integration-test phase, after {@code package} built {@code target/consolidb.jar}
 * ({@code ./mvnw verify}; alone: {@code ./mvnw verify -Dtest=NoSuchTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClusterFailoverIT}). The nodes use a private
 * schema of the test database and a key prefix of their own in the test Redis (TestServices), and
 * ports nobody else uses (HTTP 8281–8283, Hazelcast 5861–5863, event bus 5961–5963, the client
 * 5869/5969).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverIT {

  private static final int NODES = 3;
  private static final int HTTP_BASE = 8280;
  private static final int HZ_BASE = 5860;
  private static final int EB_BASE = 5960;
  /** The client's Hazelcast and event-bus ports: base + 9. */
  private static final int CLIENT_OFFSET = 9;
  /** The client's send timeout: longer than the nodes' query timeout (5 s), so a slow query is the service's 504. */
  private static final long SEND_TIMEOUT_MS = 6000;
  private static final long CALL_PERIOD_MS = 50;
  /** A departed member must be out of every other node's membership within this. */
  private static final long DETECTION_BOUND_MS = 10_000;
  /**
   * After every other node showed a departure, the client (a member too, told by the same
   * Hazelcast events) may still route a call to the departed node for this long.
   */
  private static final long ROUTING_SLACK_MS = 2000;
  /** How long calls keep being watched after the failure window, to show that all are served. */
  private static final long SERVED_AFTER_MS = 3000;
  private static final long FREEZE_MS = 30_000;
  /** After a thaw the node must be back in the membership, or gone, within this. */
  private static final long THAW_BOUND_MS = 20_000;
  private static final long READ_ID = 1;
  private static final long WRITE_ID = 2;
  private static final long UPDATE_ID = 3;
  private static final Path STATE = Path.of("target", "cluster-failover").toAbsolutePath();
  private static final Path REPORT = Path.of("target", "cluster-report.md");
  private static final String API_TOKEN = "failover-" + UUID.randomUUID();
  /** What a node logs (with {@code req=<id>}) when it runs an update: the statement log of development. */
  private static final String EXECUTED_UPDATE = "[restaurants.update]";
  /** What a node logs when it refuses an update whose caller stopped waiting (CallDeadline), before the request id is known. */
  private static final String REFUSED_UPDATE = "service: refused consolidb.restaurants update";

  private static TestNode schema;
  private static LocalCluster cluster;
  private static JavaProcess client;
  private static Path proxyCallFile;
  private static HttpLoad http;
  private static MembershipWatch watch;
  private static Thread downOnExit;
  private static final List<String> rows = new CopyOnWriteArrayList<>();
  private static final HttpClient api = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  static void startClusterAndCallers() throws Exception {
    schema = TestNode.create("cluster_failover");
    schema.reseed();
    Files.createDirectories(STATE);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CLUSTER_STATE_DIR", STATE.toString());
    env.put("CLUSTER_CERTS_DIR", TestCerts.ours().toString());
    env.put("CLUSTER_HTTP_BASE", Integer.toString(HTTP_BASE));
    env.put("CLUSTER_HZ_BASE", Integer.toString(HZ_BASE));
    env.put("CLUSTER_EB_BASE", Integer.toString(EB_BASE));
    env.put("SHUTDOWN_DRAIN_SECONDS", "2");
    // a node is ready within ~20 s here; one that is not within a minute will not be (and the run stays short)
    env.put("CLUSTER_WAIT_SECONDS", "60");
    env.put("DATABASE_URL", schema.databaseUrl());
    env.put("REDIS_URL", TestServices.redisUrl());
    // the schema is migrated and seeded above; the nodes only use it
    env.put("DB_MIGRATE", "false");
    env.put("DB_SEED_DEMO_DATA", "false");
    env.put("DB_CACHE_KEY_PREFIX", "consolidb-failover:" + UUID.randomUUID().toString().substring(0, 8) + ":");
    env.put("API_TOKEN", API_TOKEN);
    cluster = new LocalCluster(env, NODES);

    cluster.runAllowingFailure(60, "down"); // nodes an aborted earlier run left behind
    downOnExit = new Thread(() -> cluster.runAllowingFailure(60, "down"), "cluster-down-on-exit");
    Runtime.getRuntime().addShutdownHook(downOnExit);
    cluster.run(200, "up", Integer.toString(NODES));

    client = JavaProcess.start("cluster-failover-client", ExampleClient.class, clientEnvironment());
    assertThat(client.report(120)).isEqualTo("joined");
    proxyCallFile = STATE.resolve("client-calls.csv");
    Files.deleteIfExists(proxyCallFile);
    client.tell("read " + READ_ID + " " + CALL_PERIOD_MS + " " + proxyCallFile);
    assertThat(client.report(10)).isEqualTo("reading");
    http = new HttpLoad(cluster, READ_ID, CALL_PERIOD_MS);
    watch = new MembershipWatch(cluster);
    awaitAllServed();
  }

  @AfterAll
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  static void stopEverything() throws Exception {
    try {
      if (http != null) {
        http.close();
      }
      if (watch != null) {
        watch.close();
      }
      if (client != null) {
        client.tell("quit");
        client.close();
      }
    } finally {
      if (cluster != null) {
        cluster.runAllowingFailure(60, "down");
        Runtime.getRuntime().removeShutdownHook(downOnExit);
      }
      if (schema != null) {
        schema.close();
      }
      writeReport();
    }
  }

  @Test
  @Order(1)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("a rolling restart of all three nodes fails no call, through the proxies or over HTTP")
  void rollingRestart_failsNoCall() throws Exception {
    awaitAllUp();
    Map<Integer, Integer> sentBefore = http.servedBy();
    long from = now();
    cluster.run(170, "rolling-restart");
    long to = now();
    Thread.sleep(SEND_TIMEOUT_MS + 500); // every call sent in the window has ended

    List<Long> detections = new ArrayList<>();
    for (int node = 1; node <= NODES; node++) {
      long stopped = cluster.printed("stopping node" + node, from).orElseThrow();
      detections.add(watch.shown(others(node), cluster.memberAddress(node), false, stopped)
          .map(at -> at - stopped).orElse(-1L));
    }
    CallLog.Window proxy = CallLog.read(proxyCallFile).window(from, to);
    CallLog.Window overHttp = http.calls().window(from, to);
    row("1. rolling restart (3 nodes)", proxy, overHttp, detections.stream().mapToLong(Long::longValue).max().orElse(-1),
        "departures seen after " + detections + " ms; HTTP requests per node " + delta(sentBefore, http.servedBy())
            + failures(proxy, overHttp, from));

    assertThat(detections).as("every restarted node left every other node's membership").doesNotContain(-1L);
    assertThat(proxy.sent()).as("proxy calls sent").isGreaterThan(0);
    assertThat(proxy.failed()).as("proxy calls that failed during the rolling restart: %s", proxy.failures()).isZero();
    assertThat(overHttp.failed()).as("HTTP calls that failed during the rolling restart: %s", overHttp.failures()).isZero();
  }

  @Test
  @Order(2)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  @DisplayName("SIGKILL of a node fails only calls sent to it before the membership showed it gone; then all are served")
  void kill_failsOnlyInsideTheSendTimeoutWindow() throws Exception {
    awaitAllUp();
    long from = now();
    cluster.run(30, "kill", "2");
    long detected = awaitShown(List.of(1, 3), 2, false, from);
    long servedFrom = servedFrom(from, detected);
    Thread.sleep(Math.max(0, servedFrom + SERVED_AFTER_MS - now()));
    long to = now();
    CallLog.Window proxy;
    CallLog.Window overHttp;
    try {
      cluster.run(120, "restart", "2"); // back to three nodes; every call of the window ends meanwhile
    } finally {
      Thread.sleep(Math.max(0, to + SEND_TIMEOUT_MS + 500 - now()));
      proxy = CallLog.read(proxyCallFile).window(from, to);
      overHttp = http.calls().window(from, to);
      row("2. SIGKILL node 2", proxy, overHttp, detected < 0 ? -1 : detected - from,
          "proxy failures " + proxy.failedSpan(from) + failures(proxy, overHttp, from));
    }

    assertThat(detected).as("node 2 left the membership of nodes 1 and 3").isPositive();
    assertThat(detected - from).as("ms until node 2 left the membership").isLessThanOrEqualTo(DETECTION_BOUND_MS);
    assertThat(proxy.failures()).as("proxy calls that failed although sent after node 2 was out of the"
        + " membership (+%d ms)", servedFrom - from).allMatch(call -> call.sentMs() <= servedFrom);
    assertThat(proxy.failures()).as("failed proxy calls fail at the send timeout at the latest")
        .allMatch(call -> call.latencyMs() <= SEND_TIMEOUT_MS + 1000);
    assertThat(overHttp.failed()).as("HTTP calls to node 1 that failed: %s", overHttp.failures()).isZero();
  }

  /** From when on every call must be served: a while after the membership showed a departure (or should have). */
  private static long servedFrom(long from, long detected) {
    return (detected < 0 ? from + DETECTION_BOUND_MS : detected) + ROUTING_SLACK_MS;
  }

  @Test
  @Order(3)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("a node frozen for 30 s leaves the membership within 10 s, the others serve, and after the thaw it"
      + " rejoins or exits without serving the requests it held")
  void freeze_leavesTheMembership_andReplaysNothing() throws Exception {
    awaitAllUp();
    long from = now();
    cluster.run(30, "freeze", "3");
    // writes through the proxy while node 3 is frozen but still a member: some are sent to it
    Map<String, Long> writes = new LinkedHashMap<>();
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < 30; i++) {
      String text = "freeze-" + run + "-" + i;
      client.tell("write " + WRITE_ID + " " + text);
      writes.put(text, now());
      Thread.sleep(300);
    }
    Map<String, String> outcomes = new HashMap<>();
    for (int i = 0; i < writes.size(); i++) {
      String[] report = client.report(SEND_TIMEOUT_MS / 1000 + 10).split(" ", 4); // write TEXT SENT outcome
      outcomes.put(report[1], report[3]);
    }
    long detected = awaitShown(List.of(1, 2), 3, false, from);
    long servedFrom = servedFrom(from, detected);

    Thread.sleep(Math.max(0, from + FREEZE_MS - now()));
    long thawed = now();
    cluster.run(30, "thaw", "3");
    String afterThaw = afterThaw(thawed);
    long to = now();
    List<String> failedWrites = writes.keySet().stream().filter(t -> !"ok".equals(outcomes.get(t))).toList();
    List<String> acknowledged = writes.keySet().stream().filter(t -> "ok".equals(outcomes.get(t))).toList();
    String lastOk = acknowledged.isEmpty() ? "" : acknowledged.get(acknowledged.size() - 1);
    List<String> replayed;
    long refused;
    long renamed;
    List<String> seen;
    String stored;
    CallLog.Window proxy;
    CallLog.Window overHttp;
    try {
      if (!afterThaw.startsWith("rejoined")) {
        cluster.run(120, "restart", "3"); // back to three nodes for the next scenario
      }
    } finally {
      Thread.sleep(Math.max(0, to + SEND_TIMEOUT_MS + 500 - now()));
      replayed = logged(3, thawed, EXECUTED_UPDATE, failedWrites);
      refused = linesAfter(3, thawed, REFUSED_UPDATE);
      renamed = linesAfter(3, thawed, "cluster: this node is now member");
      seen = executedAnywhere(acknowledged);
      stored = storedAddress(WRITE_ID);
      proxy = CallLog.read(proxyCallFile).window(from, to);
      overHttp = http.calls().window(from, to);
      row("3. SIGSTOP node 3 for 30 s", proxy, overHttp, detected < 0 ? -1 : detected - from,
          "proxy failures " + proxy.failedSpan(from) + "; after the thaw: " + afterThaw + "; writes "
              + writes.size() + ", " + failedWrites.size() + " failed: " + replayed.size()
              + " of those executed by node 3 after the thaw" + (replayed.isEmpty() ? "" : " " + replayed)
              + ", " + refused + " updates refused by it as expired"
              + "; stored address " + (stored.equals(lastOk) ? "= last acknowledged write" : "'" + stored
              + "', last acknowledged '" + lastOk + "'") + failures(proxy, overHttp, from));
    }

    // each of these is a separate promise: report every one that is broken
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(detected).as("node 3 left the membership of nodes 1 and 2").isPositive();
    softly.assertThat(detected - from).as("ms until node 3 left the membership").isLessThanOrEqualTo(DETECTION_BOUND_MS);
    softly.assertThat(proxy.failures()).as("proxy calls that failed although sent after node 3 was out of the"
        + " membership (+%d ms)", servedFrom - from).allMatch(call -> call.sentMs() <= servedFrom);
    softly.assertThat(overHttp.failed()).as("HTTP calls to node 1 that failed: %s", overHttp.failures()).isZero();
    softly.assertThat(failedWrites).as("writes sent to the frozen node (the replay check needs some)").isNotEmpty();
    softly.assertThat(afterThaw).as("node 3 after the thaw").matches("rejoined.*|exited.*");
    if (afterThaw.startsWith("rejoined")) {
      softly.assertThat(renamed).as("node 3 logged that it merged back under a new member id").isPositive();
    }
    softly.assertThat(seen).as("acknowledged writes found in the nodes' statement logs (else the log check is blind)")
        .containsExactlyInAnyOrderElementsOf(acknowledged);
    softly.assertThat(replayed).as("writes the caller saw fail that node 3 executed after the thaw").isEmpty();
    softly.assertThat(stored).as("the stored address is the last write the caller saw succeed").isEqualTo(lastOk);
    softly.assertAll();
  }

  @Test
  @Order(4)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  @DisplayName("after an update over HTTP on node 1 the next read on every other node is fresh")
  void update_nextReadOnEveryOtherNodeIsFresh() throws Exception {
    awaitAllUp();
    long from = now();
    int reads = 0;
    int warmHits = 0;
    List<String> staleReads = new ArrayList<>();
    for (int round = 1; round <= 5; round++) {
      for (int node = 2; node <= NODES; node++) {
        read(node, UPDATE_ID);
        if (read(node, UPDATE_ID).cache().startsWith("HIT")) {
          warmHits++;
        }
      }
      String name = "Fresh Failover " + round;
      HttpResponse<String> updated = api.send(HttpRequest.newBuilder(
              URI.create(cluster.httpUrl(1) + "/api/v1/restaurants/" + UPDATE_ID))
          .method("PATCH", HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", name).encode()))
          .header("Content-Type", "application/json").header("Authorization", "Bearer " + API_TOKEN)
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(updated.statusCode()).as("PATCH on node 1: %s", updated.body()).isEqualTo(200);
      long answered = now();
      for (int node = 2; node <= NODES; node++) {
        Read read = read(node, UPDATE_ID);
        reads++;
        if (!name.equals(read.name())) {
          staleReads.add("node" + node + " '" + read.name() + "' (" + read.cache() + ") instead of '" + name
              + "', fresh " + untilFresh(node, name, answered) + " ms after the PATCH answered");
        }
      }
    }
    long to = now();
    rows.add(String.format("| 4. PATCH on node 1, next read on nodes 2 and 3 (5 times) | %d reads | %d stale | — | — "
        + "| %d of %d reads before each update were cache hits%s |", reads, staleReads.size(), warmHits, 2 * 5,
        staleReads.isEmpty() ? "" : "; stale: " + staleReads));
    CallLog.Window proxy = CallLog.read(proxyCallFile).window(from, to);
    CallLog.Window overHttp = http.calls().window(from, to);

    assertThat(warmHits).as("reads served from the cache before the update (else freshness is not tested)").isPositive();
    assertThat(staleReads).as("reads on nodes 2 and 3 right after the update that were not fresh").isEmpty();
    assertThat(proxy.failed() + overHttp.failed()).as("background calls that failed: %s %s", proxy.failures(),
        overHttp.failures()).isZero();
  }

  // ---------------------------------------------------------------------------------- helpers

  private static Map<String, String> clientEnvironment() throws Exception {
    Path certs = TestCerts.ours();
    Map<String, String> env = new HashMap<>();
    env.put("CLUSTER_MEMBERS", String.join(",", IntStream.rangeClosed(1, NODES)
        .mapToObj(i -> "127.0.0.1:" + (HZ_BASE + i)).toList()));
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", Integer.toString(HZ_BASE + CLIENT_OFFSET));
    env.put("CLUSTER_EVENT_BUS_PORT", Integer.toString(EB_BASE + CLIENT_OFFSET));
    env.put("CLUSTER_TLS_CERT", certs.resolve("client.pem").toString());
    env.put("CLUSTER_TLS_KEY", certs.resolve("client-key.pem").toString());
    env.put("CLUSTER_TLS_CA", certs.resolve("ca.pem").toString());
    env.put("CONSOLIDB_TOKEN", callerToken());
    env.put("SEND_TIMEOUT_MS", Long.toString(SEND_TIMEOUT_MS));
    return env;
  }

  /** A caller token the way an operator makes one: the jar's {@code token} command with the cluster secret. */
  private static String callerToken() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "consolidb.jar").toString(), "token", "--subject", "failover-client",
        "--ttl-hours", "1");
    builder.environment().put("CLUSTER_SECRET", cluster.secret());
    Process process = builder.redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the token command ended").isTrue();
    assertThat(process.exitValue()).as("token command: %s", output).isZero();
    return output.lines().filter(l -> l.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+")).reduce((a, b) -> b)
        .orElseThrow(() -> new IllegalStateException("no token in: " + output));
  }

  /** Every node ready, and every node's membership listing all three (within 30 s). */
  private static void awaitAllUp() throws InterruptedException {
    long deadline = now() + 30_000;
    while (!allUp()) {
      if (now() > deadline) {
        throw new AssertionError("the three nodes are not all up and members of one cluster: "
            + IntStream.rangeClosed(1, NODES).mapToObj(ClusterFailoverIT::upState).toList() + "; "
            + cluster.timeline().stream().skip(Math.max(0, cluster.timeline().size() - 20)).toList());
      }
      Thread.sleep(200);
    }
  }

  /** What {@link #allUp} saw of one node: whether it is ready, the members it lists. */
  private static String upState(int node) {
    return "node " + node + (cluster.ready(node, 1000) ? " ready" : " not ready") + ", members "
        + cluster.members(node).map(Object::toString).orElse("unknown");
  }

  private static boolean allUp() {
    for (int node = 1; node <= NODES; node++) {
      Optional<Set<String>> members = cluster.members(node);
      if (!cluster.ready(node, 1000) || members.isEmpty()
          || !IntStream.rangeClosed(1, NODES).allMatch(i -> members.get().contains(cluster.memberAddress(i)))) {
        return false;
      }
    }
    return true;
  }

  /** Waits until the client's proxy calls and the HTTP calls of the last second all succeeded. */
  private static void awaitAllServed() throws InterruptedException {
    long deadline = now() + 60_000;
    while (true) {
      long since = now() - 1500;
      CallLog.Window proxy = CallLog.read(proxyCallFile).window(since, since + 1000);
      CallLog.Window overHttp = http.calls().window(since, since + 1000);
      if (proxy.sent() > 0 && proxy.failed() == 0 && overHttp.sent() > 0 && overHttp.failed() == 0) {
        return;
      }
      if (now() > deadline) {
        throw new AssertionError("calls not all served a minute after the start: proxy " + proxy + ", HTTP " + overHttp);
      }
      Thread.sleep(500);
    }
  }

  /**
   * When every observer's membership showed {@code node} present or absent; -1 when that did not
   * happen within 30 s.
   */
  private static long awaitShown(List<Integer> observers, int node, boolean present, long fromMs)
      throws InterruptedException {
    long deadline = now() + 30_000;
    Optional<Long> shown;
    while ((shown = watch.shown(observers, cluster.memberAddress(node), present, fromMs)).isEmpty()) {
      if (now() > deadline) {
        return -1;
      }
      Thread.sleep(100);
    }
    return shown.get();
  }

  /**
   * What node 3 did within {@link #THAW_BOUND_MS} of its thaw: "rejoined after N ms" (every other
   * node lists it and it lists them), "exited after N ms (log: …)", or what its membership shows.
   */
  private static String afterThaw(long thawed) throws Exception {
    long deadline = thawed + THAW_BOUND_MS;
    while (now() < deadline) {
      if (cluster.pid(3).isEmpty()) {
        return "exited after " + (now() - thawed) + " ms (" + lastLine(3, "node: ") + ")";
      }
      Optional<Long> back = watch.shown(List.of(1, 2), cluster.memberAddress(3), true, thawed);
      Optional<MembershipWatch.Sample> own = watch.latest(3, thawed);
      if (back.isPresent() && own.isPresent() && own.get().members().contains(cluster.memberAddress(1))
          && own.get().members().contains(cluster.memberAddress(2))) {
        return "rejoined after " + (back.get() - thawed) + " ms";
      }
      Thread.sleep(200);
    }
    Optional<JsonObject> health = cluster.health(3);
    return "neither rejoined nor exited within " + THAW_BOUND_MS / 1000 + " s: node 3 answers /health "
        + health.map(h -> h.getString("status") + " with " + h.getJsonObject("cluster", new JsonObject())
            .getInteger("members") + " member(s)").orElse("not at all")
        + ", nodes 1 and 2 list " + watch.latest(1, thawed).map(MembershipWatch.Sample::members).orElse(null)
        + "; Hazelcast on node 3 since the thaw: " + membershipLines(3, thawed);
  }

  /** The node's last few Hazelcast lines about suspicion, mastership and merging from {@code fromMs}: why a rejoin stalled. */
  private static List<String> membershipLines(int node, long fromMs) throws IOException {
    List<String> lines = Files.readAllLines(cluster.log(node)).stream()
        .filter(l -> timestamp(l).map(at -> at >= fromMs).orElse(false))
        .filter(l -> l.contains("suspected") || l.contains("Mastership") || l.contains("merg") || l.contains("Merg"))
        .map(l -> l.length() > 240 ? l.substring(0, 240) + "…" : l).toList();
    return lines.subList(Math.max(0, lines.size() - 8), lines.size());
  }

  /**
   * The requests among {@code requestIds} for which {@code node}'s log has, at or after
   * {@code fromMs}, the statement line of {@code marker}: {@code req=<id> - <marker> ...}, what a
   * node logs when it sends the statement.
   */
  private static List<String> logged(int node, long fromMs, String marker, List<String> requestIds)
      throws IOException {
    List<String> found = new ArrayList<>();
    for (String line : Files.readAllLines(cluster.log(node))) {
      Optional<Long> at = timestamp(line);
      if (at.isEmpty() || at.get() < fromMs || !line.contains(marker)) {
        continue;
      }
      for (String id : requestIds) {
        // the statement's own line ("req=<id> - [restaurants.update] UPDATE ..."), not a later line
        // about it such as "req=<id> - query [restaurants.update] timed out": a statement sent just
        // before the freeze and answered after the thaw ran before it, and is no replay
        if (line.contains("req=" + id + " - " + marker) && !found.contains(id)) {
          found.add(id);
        }
      }
    }
    return found;
  }

  /** How many lines of {@code node}'s log at or after {@code fromMs} contain {@code text}. */
  private static long linesAfter(int node, long fromMs, String text) throws IOException {
    return Files.readAllLines(cluster.log(node)).stream()
        .filter(line -> line.contains(text) && timestamp(line).filter(at -> at >= fromMs).isPresent()).count();
  }

  /** The requests among {@code requestIds} that some node's log shows it executed as an update. */
  private static List<String> executedAnywhere(List<String> requestIds) throws IOException {
    List<String> found = new ArrayList<>();
    for (int node = 1; node <= NODES; node++) {
      logged(node, 0, EXECUTED_UPDATE, requestIds).stream().filter(id -> !found.contains(id)).forEach(found::add);
    }
    return found;
  }

  private static String lastLine(int node, String containing) throws IOException {
    return Files.readAllLines(cluster.log(node)).stream().filter(l -> l.contains(containing)).reduce((a, b) -> b)
        .map(l -> l.substring(l.indexOf(containing))).orElse("no line with '" + containing.strip() + "'");
  }

  /** The epoch ms a node's log line starts with (its pattern begins with an ISO-8601 time), if it does. */
  private static Optional<Long> timestamp(String line) {
    int space = line.indexOf(' ');
    try {
      return space < 0 ? Optional.empty()
          : Optional.of(OffsetDateTime.parse(line.substring(0, space)).toInstant().toEpochMilli());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String storedAddress(long id) throws Exception {
    try (Connection c = schema.connection();
        PreparedStatement select = c.prepareStatement("SELECT address FROM restaurants WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? rs.getString(1) : "";
      }
    }
  }

  private record Read(String name, String cache) {
  }

  /** Reads until the node answers {@code name}: ms from {@code sinceMs}, or -1 after 5 s. */
  private static long untilFresh(int node, String name, long sinceMs) throws Exception {
    while (now() - sinceMs < 5000) {
      if (name.equals(read(node, UPDATE_ID).name())) {
        return now() - sinceMs;
      }
      Thread.sleep(5);
    }
    return -1;
  }

  private static Read read(int node, long id) throws Exception {
    HttpResponse<String> response = api.send(HttpRequest.newBuilder(
            URI.create(cluster.httpUrl(node) + "/api/v1/restaurants/" + id))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET on node %d: %s", node, response.body()).isEqualTo(200);
    return new Read(new JsonObject(response.body()).getString("name"),
        response.headers().firstValue("X-Cache").orElse("none"));
  }

  private static Map<Integer, Integer> delta(Map<Integer, Integer> before, Map<Integer, Integer> after) {
    Map<Integer, Integer> delta = new TreeMap<>();
    after.forEach((node, count) -> delta.put(node, count - before.getOrDefault(node, 0)));
    return delta;
  }

  private static List<Integer> others(int node) {
    return IntStream.rangeClosed(1, NODES).filter(i -> i != node).boxed().toList();
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static String failures(CallLog.Window proxy, CallLog.Window overHttp, long originMs) {
    String text = "";
    if (proxy.failed() > 0) {
      text += "; proxy failed with " + proxy.failures().stream().map(CallLog.Call::detail).distinct().toList();
    }
    if (overHttp.failed() > 0) {
      text += "; HTTP failed " + overHttp.failedSpan(originMs) + " with " + overHttp.failures().stream()
          .map(CallLog.Call::detail).distinct().toList();
    }
    return text;
  }

  private static void row(String scenario, CallLog.Window proxy, CallLog.Window overHttp, long detectionMs, String notes) {
    rows.add(String.format("| %s | %d / %d | %d / %d | %d / %d ms | %s | %s |", scenario, proxy.sent(), overHttp.sent(),
        proxy.failed(), overHttp.failed(), proxy.longestGapMs(), overHttp.longestGapMs(),
        detectionMs < 0 ? "not seen" : String.format("%.1f s", detectionMs / 1000.0), notes));
  }

  private static void writeReport() throws IOException {
    List<String> lines = new ArrayList<>(List.of(
        "# Cluster failover on real processes (ClusterFailoverIT)",
        "",
        "Three nodes from target/consolidb.jar started by scripts/cluster.sh (mutual TLS, cluster secret,"
            + " SHUTDOWN_DRAIN_SECONDS=2); calls every " + CALL_PERIOD_MS + " ms through the event-bus proxy"
            + " of a client JVM (send timeout " + SEND_TIMEOUT_MS + " ms) and over HTTP through a readiness-driven"
            + " balancer. Calls are counted by when they were sent; the gap is the longest time without a"
            + " successful answer; detection is the time until every other node's /health member_list showed"
            + " the change.",
        "",
        "| scenario | calls sent (proxy / HTTP) | failed (proxy / HTTP) | longest gap (proxy / HTTP) | detection | notes |",
        "|---|---|---|---|---|---|"));
    lines.addAll(rows);
    Files.createDirectories(REPORT.toAbsolutePath().getParent());
    Files.write(REPORT, lines);
    System.out.println(String.join(System.lineSeparator(), lines));
  }
}
