package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestCerts;
import io.consolidb.testsupport.TestServices;
import io.consolidb.testsupport.TlsRedis;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code check} against the TLS Redis with an ACL user that {@code scripts/services.sh up}
 * starts: verified TLS and the user's password get in; a wrong CA, a host name the certificate
 * does not hold, a wrong password and plaintext each exit 3 with one line naming the cause and
 * no secret. Variables are passed as system properties, as in {@link CommandLineTest}.
 */
class RedisTlsCheckTest {

  private final CommandRun cli = new CommandRun();
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    set("DATABASE_URL", TestServices.databaseUrl());
  }

  @AfterEach
  void restore() throws Exception {
    cli.restore();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("check reaches the TLS Redis as its ACL user, verifying the CA and the host name, and exits 0")
  void check_verifiedTls() {
    set("REDIS_URL", TestServices.tlsRedisUrl());
    set("REDIS_TLS_CA", TestServices.redisTlsCa());
    int code = run("check", "--env", "testing");
    assertThat(code).as(stdout() + stderr()).isZero();
    assertThat(stdout()).contains("redis       OK   rediss://" + TlsRedis.user() + ":****@127.0.0.1:" + TlsRedis.port())
        .contains("tls=verified").doesNotContain(TlsRedis.password());
  }

  @Test
  @DisplayName("a CA that did not sign the server's certificate: exit 3, the line says the certificate is not trusted")
  void check_wrongCa() {
    set("REDIS_URL", TestServices.tlsRedisUrl());
    set("REDIS_TLS_CA", TestCerts.foreign().resolve("ca.pem").toString());
    assertFails("not signed by a trusted CA");
  }

  @Test
  @DisplayName("no CA setting: the JVM's authorities do not trust a private CA, exit 3")
  void check_noCa() {
    set("REDIS_URL", TestServices.tlsRedisUrl());
    assertFails("not signed by a trusted CA");
  }

  @Test
  @DisplayName("a host name the certificate does not hold: exit 3, the line names the host check")
  void check_wrongHost() throws Exception {
    TcpProxy proxy = TcpProxy.startOn(vertx, "127.0.0.2", "127.0.0.1", TlsRedis.port()).await(30, TimeUnit.SECONDS);
    set("REDIS_URL", TlsRedis.url(TlsRedis.password(), "127.0.0.2", proxy.port()));
    set("REDIS_TLS_CA", TestServices.redisTlsCa());
    assertFails("does not name the host 127.0.0.2");
  }

  @Test
  @DisplayName("a wrong password: exit 3, the line says the user or password was refused")
  void check_wrongPassword() {
    set("REDIS_URL", TlsRedis.url("not-the-password", "127.0.0.1", TlsRedis.port()));
    set("REDIS_TLS_CA", TestServices.redisTlsCa());
    assertFails("refused the user or password");
    assertThat(stdout()).doesNotContain("not-the-password");
  }

  @Test
  @DisplayName("plaintext redis:// against the TLS port: exit 3 within the timeout, the line says so")
  void check_plaintextAgainstTls() {
    set("REDIS_URL", TlsRedis.url(TlsRedis.password(), "127.0.0.1", TlsRedis.port()).replace("rediss://", "redis://"));
    assertFails("closed the connection");
  }

  @Test
  @DisplayName("check and a start in production refuse redis:// with exit 2 and one line naming the waiver")
  void productionRefusesPlaintext() {
    set("REDIS_URL", "redis://app:r3dis-pw@cache:6379");
    for (String command : new String[] {"check", "run"}) {
      cli.clearOutput();
      assertThat(run(command, "--env", "production")).as(command).isEqualTo(ConfigOptions.INVALID_CONFIG);
      assertThat(stderr().strip().lines()).as(command).hasSize(1);
      assertThat(stderr()).contains("redis.url (REDIS_URL)", "rediss://", "REDIS_ALLOW_PLAINTEXT=true")
          .doesNotContain("r3dis-pw");
    }
  }

  private void assertFails(String cause) {
    int code = run("check", "--env", "testing");
    String redisLine = stdout().lines().filter(l -> l.startsWith("redis ")).findFirst().orElse("");
    assertThat(code).as(stdout() + stderr()).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(redisLine).startsWith("redis       FAIL ").contains(cause).doesNotContain(TlsRedis.password());
    assertThat(stdout().lines().filter(l -> l.startsWith("redis "))).hasSize(1);
  }

  private int run(String... args) {
    return cli.run(args);
  }

  private void set(String name, String value) {
    cli.set(name, value);
  }

  private String stdout() {
    return cli.stdout();
  }

  private String stderr() {
    return cli.stderr();
  }
}
