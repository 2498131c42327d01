/**
 * Analytics events and reports as an event-bus service:
 * {@link io.consolidb.analytics.AnalyticsService} on the clustered address
 * {@code consolidb.analytics}, served by {@link io.consolidb.analytics.AnalyticsVerticle}.
 */
@ModuleGen(name = "consolidb-analytics", groupPackage = "io.consolidb")
package io.consolidb.analytics;

import io.vertx.codegen.annotations.ModuleGen;
