package io.consolidb.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JdbcCoordinatesTest {

  @Test
  void fromUri_full_splitsCredentialsAndKeepsQuery() {
    JdbcCoordinates c =
        JdbcCoordinates.fromUri("postgresql://app:s3cret@db.example.com:6543/consolidb?sslmode=require");

    assertThat(c.url()).isEqualTo("jdbc:postgresql://db.example.com:6543/consolidb?sslmode=require");
    assertThat(c.user()).isEqualTo("app");
    assertThat(c.password()).isEqualTo("s3cret");
  }

  @Test
  void fromUri_postgresScheme_accepted() {
    assertThat(JdbcCoordinates.fromUri("postgres://u:p@h:5433/d").url())
        .isEqualTo("jdbc:postgresql://h:5433/d");
  }

  @Test
  void fromUri_noPort_defaultsTo5432() {
    assertThat(JdbcCoordinates.fromUri("postgresql://u:p@h/d").url())
        .isEqualTo("jdbc:postgresql://h:5432/d");
  }

  @Test
  void fromUri_noCredentials_userAndPasswordNull() {
    JdbcCoordinates c = JdbcCoordinates.fromUri("postgresql://h:5432/d");
    assertThat(c.user()).isNull();
    assertThat(c.password()).isNull();
  }

  @Test
  void fromUri_userWithoutPassword_passwordNull() {
    JdbcCoordinates c = JdbcCoordinates.fromUri("postgresql://u@h/d");
    assertThat(c.user()).isEqualTo("u");
    assertThat(c.password()).isNull();
  }

  @Test
  void fromUri_percentEncodedCredentials_decoded() {
    JdbcCoordinates c = JdbcCoordinates.fromUri("postgresql://us%40er:p%3Ass%2Fw%40rd+x@h/d");
    assertThat(c.user()).isEqualTo("us@er");
    assertThat(c.password()).isEqualTo("p:ss/w@rd+x");
  }

  @Test
  void fromUri_credentialsInQuery_takenOutOfUrl() {
    JdbcCoordinates c = JdbcCoordinates.fromUri(
        "postgresql://h/d?user=other&password=q%26ry&sslmode=verify-full&connectTimeout=5");
    assertThat(c.url()).isEqualTo("jdbc:postgresql://h:5432/d?sslmode=verify-full&connectTimeout=5");
    assertThat(c.user()).isEqualTo("other");
    assertThat(c.password()).isEqualTo("q&ry");
  }

  @Test
  void fromUri_ipv6AndSeveralHosts_kept() {
    assertThat(JdbcCoordinates.fromUri("postgresql://u:p@[::1]:5433,replica/d").url())
        .isEqualTo("jdbc:postgresql://[::1]:5433,replica:5432/d");
  }

  @Test
  void fromUri_noHost_localhost() {
    assertThat(JdbcCoordinates.fromUri("postgresql:///d").url())
        .isEqualTo("jdbc:postgresql://localhost:5432/d");
  }

  @Test
  void fromUri_otherScheme_rejectedWithoutPassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcCoordinates.fromUri("mysql://u:s3cret@h/d"));
    assertThat(e).hasMessageContaining("postgresql://").hasMessageNotContaining("s3cret");
  }

  @Test
  void fromUri_noDatabase_rejectedWithoutPassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcCoordinates.fromUri("postgresql://u:s3cret@h:5432"));
    assertThat(e).hasMessageContaining("no database").hasMessageNotContaining("s3cret");
  }

  @Test
  void fromUri_badPort_rejectedWithoutPassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcCoordinates.fromUri("postgresql://u:s3cret@h:54x/d?password=s3cret"));
    assertThat(e).hasMessageContaining("bad port").hasMessageNotContaining("s3cret");
  }

  @Test
  void toString_masksPassword() {
    JdbcCoordinates c = JdbcCoordinates.fromUri("postgresql://app:s3cret@h/d?sslmode=require");
    assertThat(c.toString())
        .doesNotContain("s3cret")
        .contains("jdbc:postgresql://h:5432/d?sslmode=require", "user=app", "password=****");
  }

  @Test
  void toString_noPassword_saysNull() {
    assertThat(JdbcCoordinates.fromUri("postgresql://h/d").toString()).contains("password=null");
  }
}
