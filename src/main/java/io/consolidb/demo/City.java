package io.consolidb.demo;

import java.util.List;

/**
 * A city the demo data generator places restaurants around, one line of
 * {@code demo/cities.csv}.
 *
 * @param spreadKm standard deviation of the distance from the centre; no restaurant is placed
 *     farther than {@link #maxDistanceKm()}
 * @param weight the city's share of the rows, relative to the other cities' weights
 * @param postalPatterns postal codes, {@code #} standing for a digit and {@code @} for an
 *     upper-case letter; {@code phonePatterns} likewise
 */
public record City(String name, String state, String country, double latitude,
    double longitude, double spreadKm, int weight, List<String> streets,
    List<String> postalPatterns, List<String> phonePatterns, List<String> agencies) {

  /** The farthest a generated restaurant lies from the centre. */
  public double maxDistanceKm() {
    return 3 * spreadKm;
  }
}
