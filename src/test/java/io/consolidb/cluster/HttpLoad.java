package io.consolidb.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * HTTP reads of one restaurant at a fixed rate, sent the way a load balancer with readiness
 * checks would: every node's {@code /health/ready} is probed every {@value #PROBE_MS} ms, a node
 * that answers anything but 200 within {@value #PROBE_TIMEOUT_MS} ms is out of rotation, and each
 * request goes to the first node (in node order) that is in rotation. Requests are not retried.
 */
final class HttpLoad implements AutoCloseable {

  static final long PROBE_MS = 200;
  static final long PROBE_TIMEOUT_MS = 500;
  static final long REQUEST_TIMEOUT_MS = 5000;

  private final LocalCluster cluster;
  private final String path;
  private final CallLog calls = new CallLog();
  /** 1 while node i (index i - 1) is in rotation. */
  private final AtomicIntegerArray inRotation;
  private final Map<Integer, Integer> servedBy = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final ScheduledExecutorService timers;
  private final List<Thread> probes = new ArrayList<>();
  private volatile boolean running = true;

  HttpLoad(LocalCluster cluster, long restaurantId, long periodMs) {
    this.cluster = cluster;
    this.path = "/api/v1/restaurants/" + restaurantId;
    this.inRotation = new AtomicIntegerArray(cluster.nodes());
    for (int node = 1; node <= cluster.nodes(); node++) {
      int n = node;
      inRotation.set(n - 1, cluster.ready(n, PROBE_TIMEOUT_MS) ? 1 : 0);
      Thread probe = new Thread(() -> probe(n), "readiness-node" + n);
      probe.setDaemon(true);
      probe.start();
      probes.add(probe);
    }
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "http-load");
      t.setDaemon(true);
      return t;
    });
    timers.scheduleAtFixedRate(this::send, 0, periodMs, TimeUnit.MILLISECONDS);
  }

  private void probe(int node) {
    while (running) {
      inRotation.set(node - 1, cluster.ready(node, PROBE_TIMEOUT_MS) ? 1 : 0);
      try {
        Thread.sleep(PROBE_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void send() {
    long sent = System.currentTimeMillis();
    int target = 0;
    for (int node = 1; node <= cluster.nodes() && target == 0; node++) {
      if (inRotation.get(node - 1) == 1) {
        target = node;
      }
    }
    if (target == 0) {
      calls.add(new CallLog.Call(sent, 0, false, "no node in rotation"));
      return;
    }
    int node = target;
    servedBy.merge(node, 1, Integer::sum);
    http.sendAsync(HttpRequest.newBuilder(URI.create(cluster.httpUrl(node) + path))
            .timeout(Duration.ofMillis(REQUEST_TIMEOUT_MS)).build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete((response, failure) -> {
          long latency = System.currentTimeMillis() - sent;
          if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            calls.add(new CallLog.Call(sent, latency, false, "node" + node + ": " + cause.getClass().getSimpleName()));
          } else {
            calls.add(new CallLog.Call(sent, latency, response.statusCode() == 200,
                "node" + node + ": " + response.statusCode()));
          }
        });
  }

  CallLog calls() {
    return calls;
  }

  /** How many requests each node was sent so far (a snapshot). */
  Map<Integer, Integer> servedBy() {
    return Map.copyOf(servedBy);
  }

  @Override
  public void close() {
    running = false;
    timers.shutdownNow();
    probes.forEach(Thread::interrupt);
  }
}
