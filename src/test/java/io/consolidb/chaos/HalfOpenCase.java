package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import io.consolidb.schema.JdbcCoordinates;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code half-open}: the packets of the node's open connections to PostgreSQL are dropped
 * silently with nftables (no FIN, no RST: a peer that vanished, a cable pulled), while new
 * connections pass. Requests sent meanwhile must answer within the query timeout (+1 s), and
 * from the query timeout + 1 s after the drop on, everything is served normally again.
 */
final class HalfOpenCase implements ChaosCase {

  private static final String TABLE = "consolidb_chaos";
  private static final Pattern LOCAL_PORT = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+\\S+:(\\d+)\\s");

  private record Sent(long atMs, long millis, boolean ok) {
  }

  @Override
  public String name() {
    return "half-open";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    int pgPort = URI.create(JdbcCoordinates.fromUri(env.databaseUrl()).url().substring("jdbc:".length())).getPort();
    try (NodeProcess node = env.startNode(name(), Map.of("DB_CACHE_ENABLED", "false"))) {
      Http http = new Http(node.url(""));
      List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
      List<Thread> clients = new ArrayList<>();
      long[] window = new long[] {Long.MAX_VALUE};
      for (int t = 0; t < 3; t++) {
        Thread client = new Thread(() -> {
          while (System.currentTimeMillis() < window[0]) {
            long at = System.currentTimeMillis();
            Http.Answer answer = http.get("/api/v1/restaurants/" + (1 + ThreadLocalRandom.current().nextInt(2000)),
                Duration.ofSeconds(15));
            sent.add(new Sent(at, answer.millis(), answer.ok()));
          }
        });
        client.setDaemon(true);
        client.start();
        clients.add(client);
      }
      Thread.sleep(2000);
      List<Integer> ports = nodeConnections(node.pid(), pgPort);
      long droppedAt = System.currentTimeMillis();
      drop(pgPort, ports);
      try {
        window[0] = droppedAt + 10_000;
        for (Thread client : clients) {
          client.join(30_000);
        }
      } finally {
        ChaosEnv.run(10, "nft", "delete", "table", "inet", TABLE);
      }
      long bound = ChaosEnv.QUERY_TIMEOUT_MS + 1000;
      long slowest = 0;
      int failedAfterBound = 0;
      int during = 0;
      synchronized (sent) {
        for (Sent s : sent) {
          if (s.atMs() + s.millis() < droppedAt) {
            continue;
          }
          during++;
          slowest = Math.max(slowest, s.millis());
          if (s.atMs() >= droppedAt + bound && !s.ok()) {
            failedAfterBound++;
          }
        }
      }
      result.figure("connections_dropped", ports.size()).figure("requests_during", during)
          .figure("slowest_ms", slowest).figure("failed_after_bound", failedAfterBound)
          .check(!ports.isEmpty(), "the node had no open connection to drop")
          .check(slowest <= bound, "a request took longer than the query timeout + 1 s")
          .check(failedAfterBound == 0, "requests failed after the query timeout + 1 s");
    }
    return result;
  }

  /** The local ports of {@code pid}'s established connections to {@code pgPort}. */
  static List<Integer> nodeConnections(long pid, int pgPort) throws Exception {
    List<Integer> ports = new ArrayList<>();
    String listing = ChaosEnv.run(10, "ss", "-tnpH", "state", "established", "( dport = :" + pgPort + " )");
    for (String line : listing.split("\\R")) {
      if (line.contains("pid=" + pid + ",")) {
        Matcher m = LOCAL_PORT.matcher(line);
        if (m.find()) {
          ports.add(Integer.parseInt(m.group(1)));
        }
      }
    }
    return ports;
  }

  /** Drops (silently) every packet between {@code ports} and PostgreSQL, both ways, on loopback. */
  static void drop(int pgPort, List<Integer> ports) throws Exception {
    if (ports.isEmpty()) {
      return;
    }
    String set = "{ " + String.join(", ", ports.stream().map(String::valueOf).toList()) + " }";
    ChaosEnv.run(10, "nft", "add", "table", "inet", TABLE);
    ChaosEnv.run(10, "nft", "add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0 ; }");
    ChaosEnv.run(10, "nft", "add", "rule", "inet", TABLE, "out", "tcp", "dport", Integer.toString(pgPort),
        "tcp", "sport", set, "drop");
    ChaosEnv.run(10, "nft", "add", "rule", "inet", TABLE, "out", "tcp", "sport", Integer.toString(pgPort),
        "tcp", "dport", set, "drop");
  }
}
