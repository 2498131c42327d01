package io.consolidb.bench;

import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What tracing costs on the query path ({@code tracing_on_vs_off}): two nodes in this JVM from the
 * same settings, one tracing with {@code TRACING_SAMPLE_RATIO} 0.1 and exporting over OTLP/HTTP to
 * a collector stand-in in this JVM (it reads each batch, drops it and answers 200), one not tracing; each
 * with the query verticle and the restaurant service, caching off. Closed-loop uncached
 * get-by-id through the node's in-process client (each call a service span, an event-bus hop and
 * a SQL statement when sampled), alternating rounds; the ratio is on ÷ off.
 *
 * <p>The rounds are spread over three pairs of fresh nodes ({@link NodePairs}): one pair's two
 * nodes can differ by more than tracing costs.
 *
 * <p>For looking into the cost, system properties: {@code bench.tracing.ratio} (another sampling
 * share), {@code bench.tracing.collectorPort} (export there instead, e.g. to a port nobody listens
 * on: spans are recorded, sending them fails at once), {@code bench.tracing.pairs} (3 unless set)
 * and {@code bench.tracing.calibrate} ({@code true}: neither node traces, so the ratio is the
 * measurement's own noise).
 */
public final class TracingOverhead {

  private TracingOverhead() {
  }

  /**
   * Fails if the collector received nothing: then the "on" side did not trace.
   *
   * @param rounds counted rounds of each side over all pairs (at least one per pair)
   * @param cpu where each side's CPU went ({@code tracing_cpu_us_per_lookup}); the collector
   *     stand-in's share is in this JVM's event loops of the "on" side
   */
  public static Comparison compare(Vertx vertx, NodeSettings settings, int concurrency, long millis, int rounds,
      int ids, CpuAccount cpu) throws Exception {
    AtomicLong exports = new AtomicLong();
    // reads each batch as it streams in and drops it: a collector's work is not the node's. HTTP/1.1
    // only, as the OpenTelemetry Collector's OTLP/HTTP receiver without TLS by default: accepting the
    // JDK client's h2c upgrade put HTTP/2 on both ends, code a real deployment does not run
    // (docs/BENCHMARKS.md, "Tracing overhead, third look")
    HttpServer collector = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
        .requestHandler(request -> request.handler(chunk -> { }).endHandler(end -> {
          if (request.path().equals("/v1/traces")) {
            exports.incrementAndGet();
          }
          request.response().setStatusCode(200).end();
        }))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    try {
      Integer otherCollector = Integer.getInteger("bench.tracing.collectorPort");
      boolean calibrating = Boolean.getBoolean("bench.tracing.calibrate");
      String endpoint = calibrating ? ""
          : "http://127.0.0.1:" + (otherCollector != null ? otherCollector : collector.actualPort());
      NodePairs<ConsolidbNode> pairs = NodePairs.of("tracing_on", () -> start(settings, endpoint), "tracing_off",
          () -> start(settings, ""));
      // the first pair warms this JVM's JIT too: the tracing side has more code to compile (the
      // SDK, the exporter); one warm-up round left it still speeding up round after round
      Comparison comparison = pairs.compare("tracing_on_vs_off", "lookups/s",
          NodePairs.lookups(concurrency, millis, ids), Integer.getInteger("bench.tracing.pairs", 3), rounds, 3, 1,
          cpu, null);
      Thread.sleep(3000); // the last batch (sent every 2 s)
      if (exports.get() == 0 && otherCollector == null && !calibrating) {
        throw new IllegalStateException("the tracing node exported no span to the collector");
      }
      return comparison;
    } finally {
      collector.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static ConsolidbNode start(NodeSettings settings, String endpoint) throws Exception {
    JsonObject json = settings.json().copy();
    json.put("tracing", new JsonObject().put("otlpEndpoint", endpoint)
        .put("sampleRatio", Double.parseDouble(System.getProperty("bench.tracing.ratio", "0.1"))));
    json.put("cache", json.getJsonObject("cache", new JsonObject()).copy().put("enabled", false));
    NodeSettings node = NodeSettings.fromJson(settings.environment(), json);
    return ConsolidbNode.start(node, EnumSet.of(Component.QUERY, Component.RESTAURANTS)).await(60, TimeUnit.SECONDS);
  }
}
