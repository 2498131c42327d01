package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.consolidb.testsupport.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("an unreachable PostgreSQL")
class DatabaseUnavailableTest {

  @Test
  @DisplayName("does not stop the verticle from starting: requests answer 503, then succeed once it is back,"
      + " without a redeploy")
  void startsDownAndRecovers(Vertx vertx) throws Exception {
    PgConnectOptions pg = TestServices.pgConnectOptions();
    TcpProxy proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    proxy.refuse().await(30, TimeUnit.SECONDS);

    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTimeoutTest.proxiedUrl(pg, proxy), new JsonObject()));
    QueryClient client = QueryTestKit.client(vertx);

    assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
        .hasMessageNotContaining(pg.getPassword());
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS));
    assertThat(QueryTestKit.poolState(vertx).getInteger("active")).isZero();

    proxy.accept().await(30, TimeUnit.SECONDS);

    QueryResult result = client.read("q", "SELECT 1 AS one", null).await(30, TimeUnit.SECONDS);
    assertThat(result.firstRow().getInteger("one")).isEqualTo(1);
    proxy.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("that never answers a TCP handshake: each attempt gives up after the connect timeout, not the"
      + " operating system's, counts as unreachable and opens the breaker")
  void handshakeNeverAnswered_givesUpAfterTheConnectTimeout(Vertx vertx) throws Exception {
    try (DroppingListener database = new DroppingListener()) {
      QueryClient client = deploy(vertx, database, 2, 60_000);

      for (int i = 0; i < 2; i++) {
        long started = System.nanoTime();
        assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("attempt %d", i).isLessThan(4_000);
      }
      JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
      assertThat(breaker.getString("state")).as("two connect timeouts open the breaker").isEqualTo("open");
    }
  }

  @Test
  @DisplayName("that dropped packets for a while: the breaker's trials give up after the connect timeout too,"
      + " so it closes within a trial or two once the database answers again")
  void afterPacketsWereDropped_theBreakerClosesSoonAfterTheDatabaseAnswers(Vertx vertx) throws Exception {
    try (DroppingListener database = new DroppingListener()) {
      QueryClient client = deploy(vertx, database, 1, 300);
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS));
      // long enough for a connect that waited on its own (SYN resent after 1, 3, 7, 15 s) to be
      // far from its next try when the database comes back
      Thread.sleep(8_000);
      database.forwardTo(TestServices.pgConnectOptions());
      long healed = System.nanoTime();

      Await.until("the breaker closed", 5_000,
          () -> "closed".equals(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed)).as("ms to close").isLessThan(4_000);
      QueryResult result = client.read("q", "SELECT 1 AS one", null).await(30, TimeUnit.SECONDS);
      assertThat(result.firstRow().getInteger("one")).isEqualTo(1);
    }
  }

  /** The query verticle on {@code database}, pool timeout 1 s: a connect attempt gives up after half of it. */
  private static QueryClient deploy(Vertx vertx, DroppingListener database, int breakerFailures, int openMs) {
    QueryTestKit.deploy(vertx, QueryTestKit.config(database.url(), new JsonObject()
        .put("pool", new JsonObject().put("timeoutSeconds", 1))
        .put("breaker", new JsonObject().put("failures", breakerFailures).put("openMs", openMs))));
    return QueryTestKit.client(vertx);
  }

  /**
   * A listening socket whose one-slot accept queue is full: the kernel drops further SYNs, so a
   * connect hangs as it would to a host behind a firewall that drops packets. {@link #forwardTo}
   * ends that: it accepts the queued connections and every later one, and relays them to
   * PostgreSQL.
   */
  private static final class DroppingListener implements AutoCloseable {

    private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private PgConnectOptions target;

    DroppingListener() throws IOException {
      for (int i = 0; i < 2; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 2_000);
        sockets.add(socket);
      }
    }

    String url() {
      PgConnectOptions pg = TestServices.pgConnectOptions();
      return "postgresql://%s:%s@127.0.0.1:%d/%s".formatted(pg.getUser(), pg.getPassword(), listener.getLocalPort(),
          pg.getDatabase());
    }

    void forwardTo(PgConnectOptions pg) {
      target = pg;
      daemon(() -> {
        while (!listener.isClosed()) {
          try {
            Socket accepted = listener.accept();
            sockets.add(accepted);
            Socket upstream = new Socket(target.getHost(), target.getPort());
            sockets.add(upstream);
            relay(accepted, upstream);
            relay(upstream, accepted);
          } catch (IOException closed) {
            return;
          }
        }
      });
    }

    private static void relay(Socket from, Socket to) {
      daemon(() -> {
        try {
          from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException gone) {
          // either side closed
        }
      });
    }

    private static void daemon(Runnable work) {
      Thread thread = new Thread(work, "dropping-listener");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
