package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool and pgjdbc (Flyway's driver) against the TLS-only PostgreSQL of
 * {@code scripts/services.sh up}: its certificate names localhost and 127.0.0.1, is signed by
 * {@link TestServices#tlsCa()}, and the server also listens on 127.0.0.2, a name the certificate
 * does not hold. Each case checks both clients, because the issue was that they behaved apart.
 */
@ExtendWith(VertxExtension.class)
class PostgresTlsTest {

  private static final String WRONG_HOST = "127.0.0.2";

  private static DatabaseSettings settings(Vertx vertx, String url, String rootCert) {
    Map<String, String> variables = new HashMap<>();
    variables.put("CONSOLIDB_ENV", "testing");
    variables.put("DATABASE_URL", url);
    if (rootCert != null) {
      variables.put("DB_SSL_ROOT_CERT", rootCert);
    }
    return Await.result(ConfigLoader.load(vertx, variables)).database();
  }

  private static String url(String sslmode) {
    return TestServices.tlsDatabaseUrl() + "?sslmode=" + sslmode;
  }

  private static String atWrongHost(String url) {
    return url.replace("@127.0.0.1:", "@" + WRONG_HOST + ":");
  }

  /** Whether the pool's session is encrypted (pg_stat_ssl), or the failure it met. */
  private static Outcome pool(Vertx vertx, DatabaseSettings settings) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).with(settings.netClientOptions())
        .connectingTo(settings.connectOptions()).using(vertx).build();
    try {
      Boolean ssl = pool.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").execute()
          .await(20, TimeUnit.SECONDS).iterator().next().getBoolean(0);
      return new Outcome(ssl, null);
    } catch (Exception e) {
      return new Outcome(null, e);
    } finally {
      closeBounded(pool);
    }
  }

  private static void closeBounded(Pool pool) {
    try {
      pool.close().await(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the pool did not close within 20 s", e);
    }
  }

  /** The same through pgjdbc with the coordinates Flyway gets. */
  private static Outcome jdbc(DatabaseSettings settings) {
    JdbcCoordinates c = settings.jdbcCoordinates();
    try (Connection conn = DriverManager.getConnection(c.url(), c.user(), c.password());
        ResultSet rs = conn.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      rs.next();
      return new Outcome(rs.getBoolean(1), null);
    } catch (Exception e) {
      return new Outcome(null, e);
    }
  }

  private record Outcome(Boolean encrypted, Exception failure) {}

  private static void assertEncrypted(Outcome outcome) {
    assertThat(outcome.failure()).as("connection failure").isNull();
    assertThat(outcome.encrypted()).isTrue();
  }

  /** The reason an operator reads: one line, naming the cause, without the password. */
  private static void assertExplained(DatabaseSettings settings, Outcome outcome, String cause) {
    assertThat(outcome.failure()).as("the connection should have failed").isNotNull();
    String line = settings.tls().explain(outcome.failure()).orElseThrow(
        () -> new AssertionError("not explained: " + outcome.failure()));
    assertThat(line).contains(cause).doesNotContain("\n", ":consolidb@", "password");
  }

  @Test
  @DisplayName("verify-full with the server's CA connects encrypted, through the pool and through pgjdbc")
  void verifyFull_connects(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, url("verify-full"), TestServices.tlsCa());
    assertEncrypted(pool(vertx, settings));
    assertEncrypted(jdbc(settings));
  }

  @Test
  @DisplayName("verify-full also accepts the CA from the URL's sslrootcert, and a host name the certificate holds")
  void verifyFull_caFromUrlAndDnsName(Vertx vertx) {
    String url = url("verify-full").replace("@127.0.0.1:", "@localhost:") + "&sslrootcert=" + TestServices.tlsCa();
    DatabaseSettings settings = settings(vertx, url, null);
    assertEncrypted(pool(vertx, settings));
    assertEncrypted(jdbc(settings));
  }

  @Test
  @DisplayName("Flyway migrates over verify-full")
  void verifyFull_flywayMigrates(Vertx vertx) throws Exception {
    DatabaseSettings settings = settings(vertx, url("verify-full"), TestServices.tlsCa());
    String schema = "tls_" + Long.toHexString(System.nanoTime());
    try {
      assertThat(SchemaMigrator.migrate(settings.jdbcCoordinates(), schema).success).isTrue();
    } finally {
      Pool pool = PgBuilder.pool().connectingTo(settings.connectOptions()).using(vertx).build();
      pool.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().await(20, TimeUnit.SECONDS);
      pool.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a CA that did not sign the server's certificate: both clients refuse, 'certificate not trusted'")
  void wrongCa_refused(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, url("verify-full"), TestServices.tlsOtherCa());
    assertExplained(settings, pool(vertx, settings), "certificate not trusted");
    assertExplained(settings, jdbc(settings), "certificate not trusted");
    DatabaseSettings chainOnly = settings(vertx, url("verify-ca"), TestServices.tlsOtherCa());
    assertExplained(chainOnly, pool(vertx, chainOnly), "certificate not trusted");
    assertExplained(chainOnly, jdbc(chainOnly), "certificate not trusted");
  }

  @Test
  @DisplayName("verify-full to an address the certificate does not name: both refuse, 'host name does not match'")
  void wrongHost_refused(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, atWrongHost(url("verify-full")), TestServices.tlsCa());
    assertExplained(settings, pool(vertx, settings), "host name does not match");
    assertExplained(settings, jdbc(settings), "host name does not match");
  }

  @Test
  @DisplayName("verify-ca checks the chain only: the address the certificate does not name is accepted")
  void verifyCa_ignoresHostName(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, atWrongHost(url("verify-ca")), TestServices.tlsCa());
    assertEncrypted(pool(vertx, settings));
    assertEncrypted(jdbc(settings));
  }

  @Test
  @DisplayName("plaintext against the TLS-only server: both are refused, and the line says TLS only")
  void plaintext_refused(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, url("disable"), null);
    assertExplained(settings, pool(vertx, settings), "over TLS only");
    assertExplained(settings, jdbc(settings), "over TLS only");
  }

  @Test
  @DisplayName("require encrypts without verifying anything, in both clients alike (libpq's meaning)")
  void require_encryptsUnverified(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, atWrongHost(url("require")), null);
    assertEncrypted(pool(vertx, settings));
    assertEncrypted(jdbc(settings));
  }

  @Test
  @DisplayName("require against a server without TLS: both refuse, 'does not offer TLS'")
  void require_serverWithoutTls(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, TestServices.databaseUrl() + "?sslmode=require", null);
    assertExplained(settings, pool(vertx, settings), "does not offer TLS");
    assertExplained(settings, jdbc(settings), "does not offer TLS");
  }

  @Test
  @DisplayName("without sslmode both clients mean disable (pgjdbc's own default would be prefer) and connect in plaintext")
  void noSslMode_plaintextAlike(Vertx vertx) {
    DatabaseSettings settings = settings(vertx, TestServices.databaseUrl(), null);
    assertThat(settings.jdbcCoordinates().url()).endsWith("?sslmode=disable");
    assertThat(pool(vertx, settings).encrypted()).isFalse();
    assertThat(jdbc(settings).encrypted()).isFalse();
  }
}
