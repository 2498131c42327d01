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
}
