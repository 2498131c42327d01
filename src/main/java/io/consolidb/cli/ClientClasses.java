package io.consolidb.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The code a node runs once it reaches PostgreSQL and Redis, which a start without them never
 * loads: the protocol code of both clients and SCRAM authentication. {@link TrainCommand} loads
 * every class of their packages by name (not initialised) so the class-data archive holds them.
 * With them archived a start reached readiness about 80 ms (8 %) sooner (docs/BENCHMARKS.md,
 * item 14); a class of those packages a node never uses costs archive space only.
 */
final class ClientClasses {

  /** The packages, as resource paths. */
  static final List<String> PACKAGES = List.of("io/vertx/pgclient/", "io/vertx/sqlclient/",
      "io/vertx/redis/client/", "com/ongres/");

  private ClientClasses() {
  }

  /** Loads the classes of {@link #PACKAGES} found by {@code loader}; returns how many loaded. */
  static int load(ClassLoader loader) {
    int loaded = 0;
    for (String name : names(loader)) {
      try {
        Class.forName(name, false, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        // an optional dependency of that class is absent: the node never uses it either
      }
    }
    return loaded;
  }

  /**
   * SCRAM-SHA-256's side in the JDK, which the PostgreSQL client calls into when it logs in:
   * SASLprep's Unicode normalisation, PBKDF2 and HMAC-SHA-256 (their providers are looked up on
   * first use). A connected start still loaded about 45 such classes from the JDK after
   * {@link #load}.
   */
  static void scramCrypto() throws GeneralSecurityException {
    Normalizer.normalize("training", Normalizer.Form.NFKC);
    SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(new PBEKeySpec("training".toCharArray(), new byte[16], 1, 256));
    Mac hmac = Mac.getInstance("HmacSHA256");
    hmac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    hmac.doFinal(MessageDigest.getInstance("SHA-256").digest(new byte[1]));
  }

  /** The binary names of the classes under {@link #PACKAGES}, from jars and directories alike. */
  static List<String> names(ClassLoader loader) {
    List<String> names = new ArrayList<>();
    try {
      for (String pkg : PACKAGES) {
        Enumeration<URL> places = loader.getResources(pkg);
        while (places.hasMoreElements()) {
          URL place = places.nextElement();
          if (place.getProtocol().equals("jar")) {
            fromJar((JarURLConnection) place.openConnection(), pkg, names);
          } else if (place.getProtocol().equals("file")) {
            fromDirectory(Path.of(place.toURI()), pkg, names);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return names;
  }

  private static void fromJar(JarURLConnection connection, String pkg, List<String> names) throws IOException {
    connection.setUseCaches(false);
    try (JarFile jar = connection.getJarFile()) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        String entry = entries.nextElement().getName();
        if (entry.startsWith(pkg) && isClass(entry)) {
          names.add(binaryName(entry));
        }
      }
    }
  }

  private static void fromDirectory(Path directory, String pkg, List<String> names) throws IOException {
    Path root = directory;
    for (int i = 0; i < pkg.split("/").length; i++) {
      root = root.getParent();
    }
    Path base = root;
    try (Stream<Path> files = Files.walk(directory)) {
      files.map(file -> base.relativize(file).toString().replace(java.io.File.separatorChar, '/'))
          .filter(ClientClasses::isClass).map(ClientClasses::binaryName).forEach(names::add);
    }
  }

  private static boolean isClass(String entry) {
    return entry.endsWith(".class") && !entry.endsWith("module-info.class") && !entry.endsWith("package-info.class");
  }

  private static String binaryName(String entry) {
    return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
  }
}
