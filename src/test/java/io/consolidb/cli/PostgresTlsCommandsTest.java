package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code check} and {@code migrate} against the TLS-only PostgreSQL of {@code scripts/services.sh
 * up} (see {@code config.PostgresTlsTest} for the clients themselves): an operator gets exit 3 and
 * one line that names the cause.
 */
class PostgresTlsCommandsTest {

  private final CommandRun cli = new CommandRun();

  private int run(String... args) {
    return cli.run(args);
  }

  private void set(String name, String value) {
    cli.set(name, value);
  }

  @BeforeEach
  void redis() {
    set("REDIS_URL", TestServices.redisUrl());
    // the test Redis is plaintext: production would refuse it before reaching the database rules
    set("REDIS_ALLOW_PLAINTEXT", "true");
  }

  @AfterEach
  void restore() {
    cli.restore();
  }

  private String stdout() {
    return cli.stdout();
  }

  private String stderr() {
    return cli.stderr();
  }

  private void database(String sslmode, String host, String rootCert) {
    set("DATABASE_URL", TestServices.tlsDatabaseUrl().replace("@127.0.0.1:", "@" + host + ":") + "?sslmode=" + sslmode);
    set("DB_SSL_ROOT_CERT", rootCert);
  }

  /** The check's PostgreSQL line, asserted to be the only one and free of secrets and traces. */
  private String postgresLine() {
    assertThat(stdout().lines().filter(l -> l.startsWith("postgresql"))).hasSize(1);
    assertThat(stdout() + stderr()).doesNotContain(":consolidb@", "\tat ", "Exception");
    return stdout().lines().filter(l -> l.startsWith("postgresql")).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("check over verify-full exits 0 and shows the session encrypted")
  void check_verifyFull() {
    database("verify-full", "127.0.0.1", TestServices.tlsCa());
    assertThat(run("check", "--env", "testing")).as(stdout() + stderr()).isZero();
    assertThat(postgresLine()).startsWith("postgresql  OK").contains("tls=true");
  }

  @Test
  @DisplayName("production accepts verify-full with the CA")
  void check_productionVerifyFull() {
    database("verify-full", "localhost", TestServices.tlsCa());
    assertThat(run("check", "--env", "production")).as(stdout() + stderr()).isZero();
    assertThat(postgresLine()).startsWith("postgresql  OK").contains("tls=true");
  }

  @Test
  @DisplayName("check exits 3 with 'certificate not trusted' when the CA did not sign the server's certificate")
  void check_wrongCa() {
    database("verify-full", "127.0.0.1", TestServices.tlsOtherCa());
    assertThat(run("check", "--env", "testing")).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(postgresLine()).startsWith("postgresql  FAIL postgresql://consolidb:****@127.0.0.1:")
        .contains("TLS handshake failed (sslmode=verify-full): certificate not trusted");
  }

  @Test
  @DisplayName("check exits 3 with 'host name does not match' when the certificate does not name the host")
  void check_wrongHost() {
    database("verify-full", "127.0.0.2", TestServices.tlsCa());
    assertThat(run("check", "--env", "testing")).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(postgresLine()).contains("host name does not match", "127.0.0.2");
  }

  @Test
  @DisplayName("check exits 3 saying the server takes TLS only when the URL asks for plaintext")
  void check_plaintext() {
    set("DATABASE_URL", TestServices.tlsDatabaseUrl() + "?sslmode=disable");
    assertThat(run("check", "--env", "testing")).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(postgresLine()).contains("accepts this role over TLS only");
  }

  @Test
  @DisplayName("migrate (Flyway) runs over verify-full")
  void migrate_verifyFull() {
    database("verify-full", "127.0.0.1", TestServices.tlsCa());
    assertThat(run("migrate", "--env", "testing")).as(stdout() + stderr()).isZero();
    assertThat(stdout()).contains("migrate     OK");
  }

  @Test
  @DisplayName("production refuses sslmode=require: a configuration error naming verify-full")
  void production_refusesRequire() {
    set("DATABASE_URL", "postgresql://app:pw@127.0.0.1:5440/app?sslmode=require");
    assertThat(run("check", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr().strip()).startsWith("invalid configuration: database.url (DATABASE_URL)")
        .contains("verify-full").doesNotContain(":pw@");
    assertThat(stderr().strip().lines()).hasSize(1);
  }
}
