package io.consolidb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.consolidb.testsupport.JavaProcess;
import io.consolidb.testsupport.RenderedManifests;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

/**
 * The production overlay's container contract, run as local processes from the fat jar: the
 * rendered Deployment's pod is laid out on this machine ({@link LocalPod}: the image, the Secret
 * volumes with real values, the environment as rendered) and its init container and its container
 * run in a mount namespace where everything but {@code /tmp} (the emptyDir, a tmpfs) is read-only,
 * as uid/gid {@code runAsUser}/{@code runAsGroup} without supplementary groups or capabilities,
 * against the TLS PostgreSQL and the TLS Redis of {@code scripts/services.sh up}.
 *
 * <p>The rendered environment is used as it is, with these substitutions only:
 * <ul>
 *   <li>a path under a volume's {@code mountPath} is the same file under that volume's local
 *       directory; {@code fieldRef status.podIP} is 127.0.0.1;</li>
 *   <li>{@code CLUSTER_KUBERNETES_SERVICE_DNS} (no cluster DNS here) is replaced by
 *       {@code CLUSTER_MEMBERS=127.0.0.1:<CLUSTER_PORT>}: the node joins by TCP-IP with itself as
 *       the only member, so it never merges with another test's node on this machine;</li>
 *   <li>a port of the ConfigMap ({@code HTTP_PORT}, {@code METRICS_PORT}, {@code CLUSTER_PORT},
 *       {@code CLUSTER_EVENT_BUS_PORT}) that something here already listens on moves to a free
 *       one, in the environment and in what the test expects alike; the probes' named ports must
 *       be the ConfigMap's ports as rendered;</li>
 *   <li>the runtime adds {@code PATH}, {@code LANG} and {@code HOSTNAME}, as a container runtime and
 *       the kubelet do.</li>
 * </ul>
 *
 * <p>Needs root (mount namespace, setpriv, files of other owners): on CI ({@code CI=true}, run as
 * root) a missing root fails; elsewhere the class is skipped with that reason. Runs in the
 * integration-test phase, after {@code package} built {@code target/consolidb.jar}; alone:
 * {@code ./mvnw verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=ProductionContainerIT -Dfailsafe.failIfNoSpecifiedTests=false}. Writes the figures and
 * what the node left in {@code /tmp} to {@code target/production-container.txt}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionContainerIT {

  private static final Path DOCKERFILE = Path.of("k8s", "Dockerfile");
  private static final Path SECRET_EXAMPLE = Path.of("k8s", "base", "secret.example.yaml");
  private static final Path REPORT = Path.of("target", "production-container.txt");
  /** The Secrets the pod mounts (k8s/base/secret.example.yaml tells how each is made). */
  private static final String SECRET = "consolidb";
  private static final String CLUSTER_TLS = "consolidb-cluster-tls";
  private static final String POSTGRES_CA = "consolidb-postgres-ca";
  private static final String REDIS_CA = "consolidb-redis-ca";
  /** ConfigMap keys of the ports, by the name of the container port that must be the same. */
  private static final Map<String, String> PORTS = Map.of("http", "HTTP_PORT", "metrics", "METRICS_PORT",
      "hazelcast", "CLUSTER_PORT", "eventbus", "CLUSTER_EVENT_BUS_PORT");
  /** A JVM, Flyway and a TLS handshake; about 2 s here on 2 busy cores. */
  private static final long MIGRATE_BOUND_S = 60;
  /** What a node logs when a write to a read-only mount failed. */
  private static final String READ_ONLY_ERROR = "Read-only file system";
  /** The one line the JVM prints when it reads JAVA_TOOL_OPTIONS (not the node's). */
  private static final String JVM_OPTIONS_LINE = "Picked up JAVA_TOOL_OPTIONS:";

  private static final SecureRandom random = new SecureRandom();
  /**
   * HTTP/1.1, as the kubelet's probes and Prometheus speak it (the JDK client's default, an h2c
   * upgrade, once left the body of a {@code /metrics} answer unread here for minutes).
   */
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** Bounds a whole exchange, body included (a request's own timeout ends with the headers). */
  private static final long EXCHANGE_SECONDS = 10;
  private static final Map<String, String> figures = new LinkedHashMap<>();

  private static PodSpec spec;
  private static ConfigMap configMap;
  private static LocalPod pod;
  private static Map<String, String> secret;
  /** What must never be printed, by a name that may be. */
  private static Map<String, String> secretTexts;
  /** Port as rendered → the port used here. */
  private static final Map<Integer, Integer> ports = new TreeMap<>();
  private static JavaProcess node;
  /** Should this JVM end before {@link #stopAndClean}: the node must not outlive it. */
  private static final Thread killOnExit = new Thread(
      () -> ProcessHandle.of(node.pid()).ifPresent(ProcessHandle::destroyForcibly), "production-pod-kill-on-exit");
  private static List<String> tmpListing = List.of();

  @BeforeAll
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  static void layOutThePod() throws Exception {
    requireRoot();
    RenderedManifests production = RenderedManifests.render("production");
    spec = production.one(Deployment.class).getSpec().getTemplate().getSpec();
    configMap = production.one(ConfigMap.class);
    pod = LocalPod.create("consolidb-contract", spec);
    pod.installImage(DOCKERFILE);

    secret = secretValues();
    assertThat(secret.keySet()).as("the keys of %s", SECRET_EXAMPLE).isEqualTo(exampleKeys());
    Map<String, String> files = new LinkedHashMap<>();
    secret.forEach((key, value) -> files.put(key, value + "\n")); // as kubectl create secret --from-file leaves them
    pod.secret(SECRET, files);
    Path certs = TestCerts.ours();
    pod.secret(CLUSTER_TLS, Map.of("tls.crt", Files.readString(certs.resolve("node1.pem")),
        "tls.key", Files.readString(certs.resolve("node1-key.pem")), "ca.crt", Files.readString(certs.resolve("ca.pem"))));
    pod.secret(POSTGRES_CA, Map.of("ca.crt", Files.readString(Path.of(TestServices.tlsCa()))));
    pod.secret(REDIS_CA, Map.of("ca.crt", Files.readString(Path.of(TestServices.redisTlsCa()))));
    secretTexts = secretTexts(Files.readString(certs.resolve("node1-key.pem")));

    for (Map.Entry<String, String> port : PORTS.entrySet()) {
      int rendered = Integer.parseInt(configMap.getData().get(port.getValue()));
      assertThat(containerPort(port.getKey())).as("containerPort %s = %s", port.getKey(), port.getValue())
          .isEqualTo(rendered);
      ports.put(rendered, freeOr(rendered));
    }
    figures.put("ports (rendered=used)", ports.toString());
  }

  @AfterAll
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  static void stopAndClean() throws Exception {
    try {
      if (node != null) {
        // the sandbox execs the JVM (one process, no children), but kill any child all the same
        ProcessHandle.of(node.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
        node.close();
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      }
    } finally {
      if (pod != null) {
        pod.close();
      }
      writeReport();
    }
  }

  @Test
  @Order(1)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  @DisplayName("the init container migrate exits 0 against the TLS database, writing nothing outside /tmp")
  void initContainer_migrates() throws Exception {
    long started = System.nanoTime();
    try (JavaProcess migrate = pod.start("production-pod-migrate", initContainer(), environment(initContainer()))) {
      int exit = migrate.exitCode(MIGRATE_BOUND_S);
      figures.put("migrate (s)", seconds(started));
      String output = migrate.output();
      assertThat(exit).as("migrate's exit code within %d s; its output:%n%s", MIGRATE_BOUND_S, output).isZero();
      assertThat(output).contains("migrate     OK");
      assertThat(output).doesNotContain(READ_ONLY_ERROR);
      assertNoSecret(output);
    }
  }

  @Test
  @Order(2)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("the node becomes ready within the startup probe's budget and serves probes, metrics and its API with the mounted tokens")
  void node_servesWithTheMountedSecrets() throws Exception {
    Container container = container();
    Probe startup = container.getStartupProbe();
    long budget = (long) startup.getPeriodSeconds() * startup.getFailureThreshold();
    long started = System.nanoTime();
    node = pod.start("production-pod-node", container, environment(container));
    Runtime.getRuntime().addShutdownHook(killOnExit);
    awaitStatus(probe(container.getReadinessProbe()), 200, budget);
    figures.put("ready after (s)", seconds(started) + " (budget " + budget + " s)");

    assertSandboxed(node.pid(), container);
    // the image's class-data archive, written by its RUN step, is the one the JVM mapped
    assertThat(Files.readString(Path.of("/proc", Long.toString(node.pid()), "maps")))
        .as("the JVM maps the image's AppCDS archive").contains(pod.app().resolve("consolidb.jsa").toString());
    assertThat(get(probe(startup), null)).as("startup probe").isEqualTo(200);
    assertThat(get(probe(container.getLivenessProbe()), null)).as("liveness probe").isEqualTo(200);

    String metrics = "http://127.0.0.1:" + port("METRICS_PORT") + "/metrics";
    HttpResponse<String> scrape = send(HttpRequest.newBuilder(URI.create(metrics)).GET());
    assertThat(scrape.statusCode()).as("GET %s without a token", metrics).isEqualTo(200);
    assertThat(scrape.body()).contains("consolidb_");
    assertThat(get(api("/metrics"), null)).as("/metrics on the HTTP port (served on its own port)").isEqualTo(404);
    assertThat(get("/metrics/summary", secret.get("ADMIN_TOKEN"))).as("/metrics/summary with ADMIN_TOKEN").isEqualTo(200);

    String user = "{\"email\":\"contract-" + UUID.randomUUID() + "@example.com\",\"display_name\":\"Contract\"}";
    assertThat(post("/api/v1/users", user, null).statusCode()).as("a write without a token").isEqualTo(401);
    HttpResponse<String> created = post("/api/v1/users", user, secret.get("API_TOKEN"));
    assertThat(created.statusCode()).as("a write with API_TOKEN: %s", created.body()).isEqualTo(201);
    long id = new JsonObject(created.body()).getLong("id");
    String reader = secret.get("HTTP_TOKENS").substring(secret.get("HTTP_TOKENS").lastIndexOf(':') + 1);
    assertThat(get("/api/v1/users/" + id, reader)).as("a read with the reader token of HTTP_TOKENS").isEqualTo(200);
    assertThat(post("/api/v1/users", user, reader).statusCode()).as("a write with the reader token").isEqualTo(403);
    assertThat(send(HttpRequest.newBuilder(URI.create(api("/api/v1/users/" + id))).DELETE()
        .header("Authorization", "Bearer " + secret.get("API_TOKEN"))).statusCode()).isEqualTo(204);

    tmpListing = tmpContents(node.pid());
  }

  @Test
  @Order(3)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  @DisplayName("after the preStop sleep, SIGTERM: readiness 503 during the drain, exit 0 within the grace period left, no secret in the output")
  void sigterm_drainsAndExitsZero() throws Exception {
    assertThat(node != null && node.alive()).as("the node of the previous test runs").isTrue();
    Container container = container();
    long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
    long grace = spec.getTerminationGracePeriodSeconds() - preStop;
    double drain = Double.parseDouble(configMap.getData().get("SHUTDOWN_DRAIN_SECONDS"));
    String readiness = probe(container.getReadinessProbe());
    // the kubelet runs the preStop hook (sleep) first and sends SIGTERM after it
    TimeUnit.SECONDS.sleep(preStop);
    assertThat(get(readiness, null)).as("ready until SIGTERM").isEqualTo(200);

    long signalled = System.nanoTime();
    node.terminate();
    awaitStatus(readiness, 503, (long) Math.ceil(drain));
    figures.put("readiness 503 after SIGTERM (s)", seconds(signalled));
    assertThat(node.alive()).as("still draining when readiness answered 503").isTrue();
    int exit = node.exitCode(grace);
    figures.put("exit after SIGTERM (s)", seconds(signalled) + " (bound " + grace + " s)");

    String output = node.output();
    assertThat(exit).as("exit code within terminationGracePeriodSeconds - preStop = %d s; output:%n%s", grace, output)
        .isZero();
    assertThat(output).contains("node: stopped");
    assertThat(output).doesNotContain(READ_ONLY_ERROR);
    assertNoSecret(output);
  }

  @Test
  @Order(4)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  @DisplayName("migrate with DATABASE_URL's file unreadable to the container's user exits 2 with one line naming DATABASE_URL_FILE")
  void initContainer_unreadableSecretFile_exitsTwo() throws Exception {
    Path file = pod.secretFile(SECRET, "DATABASE_URL");
    Object group = Files.getAttribute(file, "unix:gid");
    Object mode = Files.getAttribute(file, "unix:mode");
    Files.setAttribute(file, "unix:gid", 0);
    Files.setAttribute(file, "unix:mode", 0400);
    try (JavaProcess migrate = pod.start("production-pod-migrate-unreadable", initContainer(),
        environment(initContainer()))) {
      int exit = migrate.exitCode(MIGRATE_BOUND_S);
      String output = migrate.output();
      assertThat(exit).as("exit code; output:%n%s", output).isEqualTo(2);
      List<String> lines = output.lines().filter(l -> !l.startsWith(JVM_OPTIONS_LINE)).toList();
      assertThat(lines).as("what migrate printed").hasSize(1);
      assertThat(lines.get(0)).contains("DATABASE_URL_FILE", "not readable");
      assertNoSecret(output);
    } finally {
      Files.setAttribute(file, "unix:gid", group);
      Files.setAttribute(file, "unix:mode", mode);
    }
  }

  /** Root, or on CI a failure and elsewhere a skip, each saying why. */
  private static void requireRoot() throws Exception {
    boolean root = "0".equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString());
    String why = "ProductionContainerIT needs root: a mount namespace (unshare), setpriv to the pod's user, files of other owners";
    if (!root && "true".equals(System.getenv("CI"))) {
      fail(why + "; CI runs as root");
    }
    Assumptions.assumeTrue(root, why + " (skipped: not root)");
  }

  /** The values of Secret consolidb, as an operator would make them (secret.example.yaml). */
  private static Map<String, String> secretValues() {
    String database = TestServices.tlsDatabaseUrl();
    Map<String, String> values = new LinkedHashMap<>();
    values.put("DATABASE_URL", database + (database.contains("?") ? "&" : "?") + "sslmode=verify-full");
    values.put("REDIS_URL", TestServices.tlsRedisUrl());
    values.put("API_TOKEN", hex());
    values.put("ADMIN_TOKEN", hex());
    values.put("HTTP_TOKENS", "reader:users.read:" + hex());
    values.put("CLUSTER_SECRET", hex().substring(0, 48));
    return values;
  }

  private static String hex() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  @SuppressWarnings("unchecked")
  private static Set<String> exampleKeys() throws IOException {
    Map<String, Object> example = new Yaml().load(Files.readString(SECRET_EXAMPLE));
    return ((Map<String, Object>) example.get("stringData")).keySet();
  }

  /**
   * Text that must never be printed: every value of Secret consolidb, the token inside
   * HTTP_TOKENS, the credentials of the URLs (as {@code user:password@} and the Redis password
   * alone; the TLS database's password alone is "consolidb", the name of everything here, so only
   * its {@code user:password@} form is looked for) and the lines of the cluster's private key.
   */
  private static Map<String, String> secretTexts(String clusterKey) {
    Map<String, String> texts = new LinkedHashMap<>(secret);
    String tokens = secret.get("HTTP_TOKENS");
    texts.put("the token of HTTP_TOKENS", tokens.substring(tokens.lastIndexOf(':') + 1));
    for (String key : List.of("DATABASE_URL", "REDIS_URL")) {
      String userInfo = URI.create(secret.get(key)).getRawUserInfo();
      texts.put("user:password@ of " + key, userInfo + "@");
      if (key.equals("REDIS_URL")) {
        texts.put("the password of REDIS_URL", userInfo.substring(userInfo.indexOf(':') + 1));
      }
    }
    List<String> keyLines = clusterKey.lines().filter(l -> !l.startsWith("-----") && l.length() > 16).toList();
    for (int i = 0; i < keyLines.size(); i++) {
      texts.put("line " + (i + 2) + " of tls.key", keyLines.get(i));
    }
    return texts;
  }

  /** Names the secret found, never shows it. */
  private static void assertNoSecret(String output) {
    secretTexts.forEach((name, text) -> assertThat(output.contains(text)).as("the output holds %s", name).isFalse());
  }

  /** The process runs as the pod's user and group, without supplementary groups or capabilities, in the sandbox's mounts. */
  private static void assertSandboxed(long pid, Container container) throws IOException {
    Map<String, String> status = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      int colon = line.indexOf(':');
      status.put(line.substring(0, colon), line.substring(colon + 1).trim());
    }
    long user = pod.runAsUser(container);
    long group = pod.runAsGroup(container);
    assertThat(status.get("Uid").split("\\s+")).as("real, effective, saved, fs uid").containsOnly(Long.toString(user));
    assertThat(status.get("Gid").split("\\s+")).as("real, effective, saved, fs gid").containsOnly(Long.toString(group));
    assertThat(status.get("Groups")).as("supplementary groups").isEmpty();
    assertThat(status.get("CapEff")).as("effective capabilities").isEqualTo("0000000000000000");
    assertThat(status.get("CapBnd")).as("bounding set").isEqualTo("0000000000000000");
    assertThat(status.get("NoNewPrivs")).isEqualTo("1");
    // mountinfo: ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS ... - FSTYPE SOURCE SUPER_OPTIONS
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "mountinfo"))) {
      String[] fields = line.split(" ");
      String mountPoint = fields[4];
      Set<String> options = Set.of(fields[5].split(","));
      String type = fields[line.substring(0, line.indexOf(" - ")).split(" ").length + 1];
      if (mountPoint.equals("/tmp")) {
        assertThat(type).as("/tmp").isEqualTo("tmpfs");
        assertThat(options).as("/tmp").contains("rw");
        assertThat(fields[fields.length - 1].split(",")).as("/tmp: the emptyDir's sizeLimit")
            .contains("size=" + pod.tmpBytes(container) / 1024 + "k");
      } else if (!kernelMount(mountPoint)) {
        assertThat(options).as("mount %s", mountPoint).contains("ro");
      }
    }
  }

  private static boolean kernelMount(String mountPoint) {
    return Stream.of("/proc", "/sys", "/dev").anyMatch(k -> mountPoint.equals(k) || mountPoint.startsWith(k + "/"));
  }

  /** What the process has written in its {@code /tmp} (seen through {@code /proc/PID/root}), with sizes. */
  private static List<String> tmpContents(long pid) throws IOException {
    Path tmp = Path.of("/proc", Long.toString(pid), "root", "tmp");
    try (Stream<Path> all = Files.walk(tmp, 3)) {
      return all.filter(p -> !p.equals(tmp)).sorted().map(p -> {
        String name = "/tmp/" + tmp.relativize(p);
        try {
          return Files.isDirectory(p) ? name + "/" : name + " (" + Files.size(p) + " bytes)";
        } catch (IOException e) {
          return name + " (gone)";
        }
      }).toList();
    }
  }

  private static Container initContainer() {
    return spec.getInitContainers().stream().filter(c -> c.getName().equals("migrate")).findFirst().orElseThrow();
  }

  private static Container container() {
    return spec.getContainers().stream().filter(c -> c.getName().equals("consolidb")).findFirst().orElseThrow();
  }

  private static int containerPort(String name) {
    return container().getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError("no containerPort " + name));
  }

  /** The environment as rendered, with the substitutions stated in the class comment. */
  private static Map<String, String> environment(Container container) {
    Map<String, String> env = pod.environment(container, configMap);
    assertThat(env.remove("CLUSTER_KUBERNETES_SERVICE_DNS")).as("CLUSTER_KUBERNETES_SERVICE_DNS").isNotBlank();
    PORTS.values().forEach(key -> env.computeIfPresent(key, (k, v) -> Integer.toString(ports.get(Integer.parseInt(v)))));
    env.put("CLUSTER_MEMBERS", LocalPod.POD_IP + ":" + env.get("CLUSTER_PORT"));
    return env;
  }

  private static int port(String configKey) {
    return ports.get(Integer.parseInt(configMap.getData().get(configKey)));
  }

  /** The rendered port when nothing here listens on it, else a free one. */
  private static int freeOr(int rendered) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("0.0.0.0", rendered));
      return rendered;
    } catch (IOException busy) {
      try (ServerSocket socket = new ServerSocket(0)) {
        return socket.getLocalPort();
      }
    }
  }

  /** The URL an HTTP probe calls: its path on the container port it names. */
  private static String probe(Probe probe) {
    String portName = probe.getHttpGet().getPort().getStrVal();
    String key = PORTS.get(portName);
    return "http://127.0.0.1:" + port(key) + probe.getHttpGet().getPath();
  }

  private static String api(String path) {
    return "http://127.0.0.1:" + port("HTTP_PORT") + path;
  }

  private static void awaitStatus(String url, int status, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int last = -1;
    while (System.nanoTime() < deadline) {
      if (!node.alive()) {
        fail("the node exited (" + node.exitCode(1) + ") before " + url + " answered " + status + ":\n" + node.output());
      }
      last = get(url, null);
      if (last == status) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    fail(url + " did not answer " + status + " within " + seconds + " s (last: " + last + "); output:\n" + node.output());
  }

  /** The status of a GET of {@code pathOrUrl}, -1 when nothing answers. */
  private static int get(String pathOrUrl, String token) throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("/") ? api(pathOrUrl) : pathOrUrl));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return send(request.GET()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static HttpResponse<String> post(String path, String json, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api(path)))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpRequest built = request.timeout(Duration.ofSeconds(5)).build();
    var exchange = http.sendAsync(built, HttpResponse.BodyHandlers.ofString());
    try {
      return exchange.get(EXCHANGE_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new IOException(built.method() + " " + built.uri() + " not answered in full within " + EXCHANGE_SECONDS + " s");
    }
  }

  private static String seconds(long sinceNanos) {
    return String.format("%.1f", (System.nanoTime() - sinceNanos) / 1e9);
  }

  private static void writeReport() throws IOException {
    List<String> lines = new ArrayList<>();
    figures.forEach((name, value) -> lines.add(name + ": " + value));
    lines.add("what the node wrote in /tmp (3 levels):");
    tmpListing.forEach(entry -> lines.add("  " + entry));
    Files.createDirectories(REPORT.getParent());
    Files.write(REPORT, lines);
  }
}
