package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The vertx-sql-client internals consolidb relies on, against a real PostgreSQL: if an upgrade
 * moves or changes them, these fail here rather than as leaked connections or unbindable values.
 */
class SqlClientInternalsTest {

  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(TestServices.pgConnectOptions())
        .using(vertx).build();
  }

  @AfterEach
  void close() throws Exception {
    pool.close().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the socket under a pooled connection can be closed, and the pool replaces it")
  void closeSocket_pooledConnection_closedAndReplaced() throws Exception {
    SqlConnection connection = pool.getConnection().await(5, TimeUnit.SECONDS);
    assertThat(SqlClientInternals.open(connection)).isTrue();
    Promise<Void> closed = Promise.promise();
    connection.closeHandler(v -> closed.tryComplete());

    assertThat(SqlClientInternals.closeSocket(connection)).as("this client version exposes the socket").isTrue();

    closed.future().await(5, TimeUnit.SECONDS);
    assertThat(SqlClientInternals.open(connection)).isFalse();
    connection.close();
    Row row = pool.query("SELECT 1 AS one").execute().await(5, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getInteger("one")).as("a fresh connection from the pool of one").isEqualTo(1);
  }

  @Test
  @DisplayName("the client binds a BindTuple: an ISO date string reaches a date parameter as a date")
  void bindTuple_acceptedByTheClient() throws Exception {
    BindTuple values = new BindTuple(2);
    values.addValue("2025-03-01");
    values.addValue(JsonArray.of(1, 2, 3));
    Row row = pool.preparedQuery("SELECT $1::date + 1 AS next, 2 = ANY($2::int[]) AS found").execute(values)
        .await(5, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getLocalDate("next")).isEqualTo(LocalDate.of(2025, 3, 2));
    assertThat(row.getBoolean("found")).isTrue();
  }
}
