package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.SslMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** How {@code sslmode}, {@code DB_SSL_ROOT_CERT} and the environment become TLS options (no server needed). */
@ExtendWith(VertxExtension.class)
class DatabaseTlsTest {

  private static final String URL = "postgresql://app:s3cret@db.internal:5432/app";

  @TempDir
  Path dir;
  private String ca;

  @BeforeEach
  void caFile() throws IOException {
    ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n").toString();
  }

  private static Map<String, String> vars(String... pairs) {
    Map<String, String> map = new HashMap<>();
    map.put("CONSOLIDB_ENV", "testing");
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  private static DatabaseSettings load(Vertx vertx, Map<String, String> variables) {
    return Await.result(ConfigLoader.load(vertx, variables)).database();
  }

  private static String failure(Vertx vertx, Map<String, String> variables) {
    try {
      ConfigLoader.load(vertx, variables).await(30, TimeUnit.SECONDS);
    } catch (Throwable e) {
      assertThat(e).isInstanceOf(InvalidConfigException.class);
      assertThat(e.getMessage()).doesNotContain("s3cret").doesNotContain("\n");
      return e.getMessage();
    }
    throw new AssertionError("configuration was accepted: " + variables);
  }

  @Test
  @DisplayName("verify-full: the pool trusts the CA and checks the host name; pgjdbc gets the same mode and CA")
  void verifyFull_poolAndJdbcAlike(Vertx vertx) {
    DatabaseSettings db = load(vertx, vars("DATABASE_URL", URL + "?sslmode=verify-full", "DB_SSL_ROOT_CERT", ca));
    ClientSSLOptions ssl = db.connectOptions().getSslOptions();
    assertThat(db.connectOptions().getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(ssl.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(ssl.isTrustAll()).isFalse();
    assertThat(ssl.getTrustOptions()).isInstanceOf(CaTrust.class);
    assertThat(db.pipelinedConnectOptions().getSslOptions()).isEqualTo(ssl);
    assertThat(db.jdbcCoordinates().url()).isEqualTo("jdbc:postgresql://db.internal:5432/app?sslmode=verify-full&sslrootcert="
        + java.net.URLEncoder.encode(ca, java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("verify-ca trusts the CA without a host name check")
  void verifyCa_chainOnly(Vertx vertx) {
    DatabaseSettings db = load(vertx, vars("DATABASE_URL", URL + "?sslmode=verify-ca&sslrootcert=" + ca));
    ClientSSLOptions ssl = db.connectOptions().getSslOptions();
    assertThat(ssl.getHostnameVerificationAlgorithm()).isEmpty();
    assertThat(ssl.getTrustOptions()).isInstanceOf(CaTrust.class);
    assertThat(db.tls().rootCert()).isEqualTo(ca);
    assertThat(db.jdbcCoordinates().url()).contains("sslmode=verify-ca").contains("sslrootcert=");
  }

  @Test
  @DisplayName("require encrypts but trusts any certificate, as libpq and pgjdbc do")
  void require_unverified(Vertx vertx) {
    DatabaseSettings db = load(vertx, vars("DATABASE_URL", URL + "?sslmode=require"));
    ClientSSLOptions ssl = db.connectOptions().getSslOptions();
    assertThat(ssl.isTrustAll()).isTrue();
    assertThat(ssl.getHostnameVerificationAlgorithm()).isEmpty();
    assertThat(db.tls().verified()).isFalse();
    assertThat(db.jdbcCoordinates().url()).endsWith("?sslmode=require");
  }

  @Test
  @DisplayName("no sslmode: plaintext for the pool and, explicitly, for pgjdbc (whose default would be prefer)")
  void noMode_disableForBoth(Vertx vertx) {
    DatabaseSettings db = load(vertx, vars("DATABASE_URL", URL));
    assertThat(db.connectOptions().getSslOptions()).isNull();
    assertThat(db.jdbcCoordinates().url()).endsWith("/app?sslmode=disable");
  }

  @Test
  @DisplayName("a verifying mode without a CA is a configuration error that says where to put it")
  void verifyFull_withoutCa(Vertx vertx) {
    assertThat(failure(vertx, vars("DATABASE_URL", URL + "?sslmode=verify-full")))
        .startsWith("invalid configuration: database.sslRootCert (DB_SSL_ROOT_CERT)").contains("sslrootcert=");
  }

  @Test
  @DisplayName("a CA with a mode that would ignore it is refused rather than silently unused")
  void caWithRequire_refused(Vertx vertx) {
    assertThat(failure(vertx, vars("DATABASE_URL", URL + "?sslmode=require", "DB_SSL_ROOT_CERT", ca)))
        .contains("database.sslRootCert (DB_SSL_ROOT_CERT)", "is ignored with sslmode=require", "verify-full");
  }

  @Test
  @DisplayName("a CA file that is missing, or named differently in the URL and the setting, is refused")
  void caFile_missingOrConflicting(Vertx vertx) {
    assertThat(failure(vertx, vars("DATABASE_URL", URL + "?sslmode=verify-full", "DB_SSL_ROOT_CERT", dir.resolve("nope.pem").toString())))
        .contains("must name a readable PEM file");
    assertThat(failure(vertx, vars("DATABASE_URL", URL + "?sslmode=verify-full&sslrootcert=/etc/other.pem", "DB_SSL_ROOT_CERT", ca)))
        .contains("differs from the URL's sslrootcert");
  }

  @Test
  @DisplayName("an unknown sslmode is named as such")
  void unknownMode(Vertx vertx) {
    assertThat(failure(vertx, vars("DATABASE_URL", URL + "?sslmode=verify")))
        .contains("database.url (DATABASE_URL)", "sslmode must be one of");
  }

  @Test
  @DisplayName("the URL given to pgjdbc keeps its other parameters and replaces its own sslmode/sslrootcert")
  void jdbc_replacesTlsParameters(Vertx vertx) {
    // search_path: the one other parameter both drivers honour (DatabaseUrlTest); pgjdbc reads it as currentSchema
    DatabaseSettings db = load(vertx, vars("DATABASE_URL", URL + "?search_path=app&SSLMODE=verify-full&sslrootcert=" + ca));
    assertThat(db.jdbcCoordinates().url()).startsWith("jdbc:postgresql://db.internal:5432/app?currentSchema=app&sslmode=verify-full&sslrootcert=")
        .doesNotContain("SSLMODE");
  }

  @Test
  @DisplayName("production refuses every mode weaker than verify-full, DB_REQUIRE_TLS or not")
  void production_verifyFullOnly(Vertx vertx) {
    for (String mode : new String[] {"disable", "prefer", "require", "verify-ca"}) {
      String url = URL + "?sslmode=" + mode + (mode.startsWith("verify") ? "&sslrootcert=" + ca : "");
      assertThat(failure(vertx, vars("CONSOLIDB_ENV", "production", "DATABASE_URL", url, "DB_REQUIRE_TLS", "false",
          "REDIS_ALLOW_PLAINTEXT", "true")))
          .as(mode).contains("database.url (DATABASE_URL)", "sslmode=verify-full");
    }
    DatabaseSettings db = load(vertx, vars("CONSOLIDB_ENV", "production",
        "DATABASE_URL", URL + "?sslmode=verify-full", "DB_SSL_ROOT_CERT", ca, "REDIS_ALLOW_PLAINTEXT", "true"));
    assertThat(db.tls().mode()).isEqualTo(SslMode.VERIFY_FULL);
  }

  @Test
  @DisplayName("elsewhere DB_REQUIRE_TLS asks for encryption (require or stronger), and nothing is required without it")
  void otherEnvironments_requireTlsSetting(Vertx vertx) {
    assertThat(failure(vertx, vars("CONSOLIDB_ENV", "staging", "DATABASE_URL", URL + "?sslmode=prefer", "DB_REQUIRE_TLS", "true")))
        .contains("TLS is required here");
    assertThat(load(vertx, vars("CONSOLIDB_ENV", "staging", "DATABASE_URL", URL + "?sslmode=require", "DB_REQUIRE_TLS", "true"))
        .tls().mode()).isEqualTo(SslMode.REQUIRE);
    assertThat(load(vertx, vars("CONSOLIDB_ENV", "staging", "DATABASE_URL", URL)).tls().mode()).isEqualTo(SslMode.DISABLE);
  }
}
