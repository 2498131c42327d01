package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The training run of the image's class-data (AppCDS) archive ({@code k8s/Dockerfile}): the JVM,
 * started with {@code -XX:ArchiveClassesAtExit}, archives every class loaded until it exits, and
 * a later start maps them instead of reading and verifying them from the jar. A build has no
 * database or Redis, so the node started here comes up live and not ready, and two kinds of code
 * a serving node runs from its first second would be missing: the clients' protocol code (loaded
 * by name instead, with SCRAM's JDK side: {@link ClientClasses}) and the handling of a request (the
 * node is asked its own routes once). Then the node stops and the command exits 0.
 */
@Command(name = "train", description = "Start a node, load what a serving node loads, stop: the training run of a "
    + "class-data archive (-XX:ArchiveClassesAtExit; k8s/Dockerfile). Needs no database.")
public final class TrainCommand implements Callable<Integer> {

  /** What the node is asked: the probes, and a read of each service (answered 503 without a database). */
  static final List<String> ROUTES = List.of("/health/live", "/health/ready", "/health", "/api/v1/restaurants/1",
      "/api/v1/restaurants/search?city=training", "/api/v1/analytics/restaurants/top", "/no-such-route");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  @Mixin
  ConfigOptions config = new ConfigOptions();

  /** Exit code when the client packages cannot be found (see {@link #train}). */
  static final int NOTHING_FOUND = 1;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    return train(TrainCommand.class.getClassLoader());
  }

  /** The run, the client classes looked up through {@code loader}. */
  int train(ClassLoader loader) throws Exception {
    int port = freePort(); // the node does not say which port it bound; nothing else binds in a build
    NodeSettings settings = config.load(Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", Integer.toString(port)));
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    int classes = ClientClasses.load(loader);
    if (classes == 0) {
      // a jar packed without directory entries hides the packages: fail, or the image would ship a
      // weaker archive without anyone noticing
      err.println("train: no class of " + ClientClasses.PACKAGES + " found: the archive would miss the clients");
      return NOTHING_FOUND;
    }
    ClientClasses.scramCrypto();
    RunCommand.Started started = RunCommand.start(settings);
    if (started.node() == null) {
      return started.exitCode();
    }
    List<Integer> answers;
    try {
      answers = ask(port);
    } finally {
      ConsolidbNode node = started.node();
      node.stop().eventually(() -> node.vertx().close()).await(60, TimeUnit.SECONDS);
    }
    out.println("train: " + classes + " client classes loaded by name; " + ROUTES.size() + " routes asked, answered "
        + answers);
    return 0;
  }

  /** Each of {@link #ROUTES} once: its status. Any answer will do; a request that gets none fails the run. */
  private static List<Integer> ask(int port) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    List<Integer> answers = new ArrayList<>();
    for (String route : ROUTES) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + route))
          .header("Accept-Encoding", "gzip").timeout(REQUEST_TIMEOUT).build();
      answers.add(client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
    }
    return answers;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
