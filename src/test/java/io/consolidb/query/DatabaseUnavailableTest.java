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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
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
    // A listening socket whose one-slot accept queue is full: the kernel drops further SYNs, so a
    // connect hangs as it would to a host behind a firewall that drops packets.
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Socket socket = new Socket();
          socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), 2_000);
          queued.add(socket);
        }
        PgConnectOptions pg = TestServices.pgConnectOptions();
        String url = "postgresql://" + pg.getUser() + "@127.0.0.1:" + silent.getLocalPort() + "/" + pg.getDatabase();
        // pool timeout 1 s: the connect timeout follows it (at most 5 s)
        QueryTestKit.deploy(vertx, QueryTestKit.config(url, new JsonObject()
            .put("pool", new JsonObject().put("timeoutSeconds", 1))
            .put("breaker", new JsonObject().put("failures", 2).put("openMs", 60_000))));
        QueryClient client = QueryTestKit.client(vertx);

        for (int i = 0; i < 2; i++) {
          long started = System.nanoTime();
          assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS));
          assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("attempt %d", i).isLessThan(4_000);
        }
        JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
        assertThat(breaker.getString("state")).as("two connect timeouts open the breaker").isEqualTo("open");
      } finally {
        for (Socket socket : queued) {
          socket.close();
        }
      }
    }
  }
}
