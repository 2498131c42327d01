package io.consolidb.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The cities of {@code demo/cities.csv} (a classpath resource), read once, on first use: by the
 * generator, which builds its rows on a worker thread, so the read never runs on an event loop
 * when seeding.
 *
 * <p>The file: lines starting with {@code #} are comments; the first other line is the header
 * {@value #HEADER}; then one city per line, comma-separated, list columns separated by
 * {@code |}. No quoting: a value may not contain a comma or a {@code |}.
 */
final class Cities {

  static final String RESOURCE = "/demo/cities.csv";
  static final String HEADER = "name,state,country,latitude,longitude,spread_km,weight,streets,"
      + "postal_patterns,phone_patterns,agencies";

  private Cities() {
  }

  /** Every city, in the order of the file (the generator's draws depend on that order). */
  static List<City> all() {
    return Loaded.CITIES;
  }

  /** The sum of the cities' weights. */
  static int totalWeight() {
    return Loaded.TOTAL_WEIGHT;
  }

  /** Parses the file's lines; {@code source} names it in error messages. */
  static List<City> parse(List<String> lines, String source) {
    List<City> cities = new ArrayList<>();
    boolean header = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (!header) {
        if (!line.strip().equals(HEADER)) {
          throw new IllegalStateException(source + ":" + (i + 1) + ": expected the header " + HEADER);
        }
        header = true;
        continue;
      }
      cities.add(city(line, source + ":" + (i + 1)));
    }
    if (cities.isEmpty()) {
      throw new IllegalStateException(source + ": no cities");
    }
    return List.copyOf(cities);
  }

  private static City city(String line, String where) {
    String[] f = line.split(",", -1);
    if (f.length != 11) {
      throw new IllegalStateException(where + ": expected 11 columns, got " + f.length);
    }
    try {
      City city = new City(f[0], f[1], f[2], Double.parseDouble(f[3]), Double.parseDouble(f[4]),
          Double.parseDouble(f[5]), Integer.parseInt(f[6]), list(f[7]), list(f[8]), list(f[9]),
          list(f[10]));
      if (city.weight() < 1 || !(city.spreadKm() > 0)) {
        throw new IllegalStateException(where + ": weight and spread_km must be positive");
      }
      if (List.of(city.streets(), city.postalPatterns(), city.phonePatterns(), city.agencies())
          .stream().anyMatch(values -> values.contains(""))) {
        throw new IllegalStateException(where + ": a list column holds an empty value");
      }
      return city;
    } catch (NumberFormatException e) {
      throw new IllegalStateException(where + ": " + e.getMessage(), e);
    }
  }

  private static List<String> list(String column) {
    return List.of(column.split("\\|", -1));
  }

  private static List<City> read(String resource) {
    InputStream in = Cities.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException(resource + " is missing from the classpath");
    }
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return parse(reader.lines().toList(), resource);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Holder: the file is read when a city is first asked for, once per class loader. */
  private static final class Loaded {
    static final List<City> CITIES = read(RESOURCE);
    static final int TOTAL_WEIGHT = CITIES.stream().mapToInt(City::weight).sum();
  }
}
