package io.consolidb.cluster;

import io.consolidb.Addresses;
import io.consolidb.config.ClusterSettings;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.tracing.RequestId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Another Vert.x application calling consolidb's services over the clustered event bus, the
 * runnable example of docs/CLIENT.md; {@code ClusterFailoverIT} runs it as a JVM of its own.
 *
 * <p>An application needs three things from the cluster's operator, and never the cluster secret:
 * <ol>
 *   <li>a certificate and key signed by the cluster's CA ({@code scripts/certs.sh NAME}), because
 *       the event bus runs mutual TLS in both directions;</li>
 *   <li>a caller token ({@code java -jar consolidb.jar token --subject NAME}), which every call
 *       carries: the services refuse calls without one (401);</li>
 *   <li>the Hazelcast members to join.</li>
 * </ol>
 * It joins the cluster as a lite member ({@link #join}: it holds no partition and the nodes count
 * it as a client), takes the generated proxy with its token
 * ({@code RestaurantService.createCallerProxy}) and calls it like any Future API. A read that
 * found no handler or timed out (a member that died or froze) is sent once more, to the next
 * member; a write is sent once. Every call carries its deadline, so a member that wakes up from
 * a freeze refuses what the application stopped waiting for. It registers no handler, so it is
 * never sent work.
 *
 * <p>Environment, named as the node's variables where they mean the same: {@code CLUSTER_MEMBERS}
 * (host:port,…), {@code CLUSTER_HOST} (127.0.0.1), {@code CLUSTER_PORT} (its own Hazelcast port),
 * {@code CLUSTER_EVENT_BUS_PORT} (its own event-bus port), {@code CLUSTER_TLS_CERT},
 * {@code CLUSTER_TLS_KEY}, {@code CLUSTER_TLS_CA}; {@code CONSOLIDB_TOKEN}, the caller token;
 * {@code SEND_TIMEOUT_MS} (6000: longer than the nodes' query timeout, 5 s by default, so that a
 * slow query is reported by the service, 504, rather than by the event bus).
 *
 * <p>Once joined it prints {@code >> joined} and takes commands on standard input, one a line,
 * answering on lines that start with {@code >> }:
 * <ul>
 *   <li>{@code read ID PERIOD_MS FILE}: calls {@code get(ID)} every PERIOD_MS ms, whether or not
 *       the earlier calls have answered (so an outage shows as failures, not as a slower rate), and
 *       appends one line per call to FILE: {@code sentEpochMs,latencyMs,ok} or
 *       {@code sentEpochMs,latencyMs,failed <failure type> <code>}; answers {@code reading};</li>
 *   <li>{@code write ID TEXT}: sets the restaurant's {@code address} to TEXT, sending TEXT as the
 *       call's request id too (the serving node's log lines carry {@code req=TEXT}); answers
 *       {@code write TEXT SENT_EPOCH_MS ok} or {@code write TEXT SENT_EPOCH_MS failed TYPE CODE};</li>
 *   <li>{@code quit}: leaves the cluster and exits.</li>
 * </ul>
 */
public final class ExampleClient {

  /** The field the {@code write} command sets. */
  private static final String WRITTEN_FIELD = "address";

  private ExampleClient() {
  }

  /** A clustered Vert.x that joins the members as a lite member, its event bus on mutual TLS. */
  static Future<Vertx> join(ClusterSettings cluster) {
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(HazelcastClusterConfig.eventBusOptions(cluster)))
        .withClusterManager(HazelcastClusterConfig.clientClusterManager(cluster))
        .buildClustered();
  }

  public static void main(String[] args) throws Exception {
    // what the operator gave this application: its certificate, a caller token, the members
    Map<String, String> env = System.getenv();
    ClusterSettings cluster = new ClusterSettings(true, env.getOrDefault("CLUSTER_HOST", "127.0.0.1"),
        Integer.parseInt(required(env, "CLUSTER_PORT")),
        Arrays.stream(required(env, "CLUSTER_MEMBERS").split(",")).map(String::trim).toList(),
        "", Integer.parseInt(required(env, "CLUSTER_EVENT_BUS_PORT")),
        new ClusterSettings.Tls(required(env, "CLUSTER_TLS_CERT"), required(env, "CLUSTER_TLS_KEY"),
            required(env, "CLUSTER_TLS_CA")),
        "", 0, 6);
    String token = required(env, "CONSOLIDB_TOKEN");
    long sendTimeoutMs = Long.parseLong(env.getOrDefault("SEND_TIMEOUT_MS", "6000"));

    // join, then call the services through their generated proxies, each call carrying the token
    Vertx vertx = join(cluster).await(2, TimeUnit.MINUTES);
    RestaurantService restaurants = RestaurantService.createCallerProxy(vertx, sendTimeoutMs, token);
    report("joined");

    // the rest serves ClusterFailoverIT: commands on standard input (see the class comment)
    tagWritesWithTheirText(vertx);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
      List<String> words = List.of(line.trim().split("\\s+", 3));
      switch (words.get(0)) {
        case "read" -> {
          long id = Long.parseLong(words.get(1));
          String[] rest = words.get(2).split("\\s+", 2);
          keepReading(vertx, restaurants, id, Long.parseLong(rest[0]), Path.of(rest[1]));
          report("reading");
        }
        case "write" -> {
          String text = words.get(2);
          long sent = System.currentTimeMillis();
          restaurants.update(Long.parseLong(words.get(1)), new JsonObject().put(WRITTEN_FIELD, text)).onComplete(done ->
              report("write " + text + " " + sent + " " + (done.succeeded() ? "ok" : "failed " + failure(done.cause()))));
        }
        default -> report("unknown " + line);
      }
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  /**
   * Sends each {@code update} of the {@code write} command with its text as the request id, so
   * that the log of the node that executed it says so ({@code req=TEXT}), whenever that was.
   */
  private static void tagWritesWithTheirText(Vertx vertx) {
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      var message = delivery.message();
      // delivery.body(): on a clustered event bus message.body() is null on the sending side
      if (Addresses.RESTAURANTS.equals(message.address()) && "update".equals(message.headers().get("action"))
          && delivery.body() instanceof JsonObject body && body.getJsonObject("changes") != null) {
        message.headers().set(RequestId.BUS_HEADER, body.getJsonObject("changes").getString(WRITTEN_FIELD, ""));
      }
      delivery.next();
    });
  }

  /** Calls get(id) on a timer, every call's outcome appended to {@code file}. */
  private static void keepReading(Vertx vertx, RestaurantService restaurants, long id, long periodMs, Path file)
      throws IOException {
    BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    vertx.setPeriodic(periodMs, tick -> {
      long sent = System.currentTimeMillis();
      restaurants.get(id).onComplete(done -> {
        String outcome = done.succeeded() && done.result().getLong("id") == id ? "ok"
            : "failed " + (done.succeeded() ? "wrong-row" : failure(done.cause()));
        try {
          out.write(sent + "," + (System.currentTimeMillis() - sent) + "," + outcome);
          out.newLine();
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    });
  }

  /** What a proxy call's failure says: its failure type (TIMEOUT, NO_HANDLERS, RECIPIENT_FAILURE…) and code. */
  private static String failure(Throwable cause) {
    return cause instanceof ReplyException reply
        ? reply.failureType() + " " + reply.failureCode()
        : cause.getClass().getSimpleName() + " -1";
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must be set (see the class comment)");
    }
    return value;
  }

  private static void report(String line) {
    System.out.println(">> " + line);
    System.out.flush();
  }
}
