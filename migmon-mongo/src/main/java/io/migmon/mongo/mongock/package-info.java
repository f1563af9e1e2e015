/**
 * Mongock adapter: {@link io.migmon.mongo.mongock.MongockMetrics} records the migmon MongoDB meters for a Mongock
 * (5.x standalone) run through Mongock's started/success/failure listeners. Needs {@code io.mongock:mongock-standalone}
 * and {@code io.mongock:mongodb-reactive-driver} on the class path: they are optional dependencies of migmon-mongo,
 * so hosts without Mongock never load this package.
 */
package io.migmon.mongo.mongock;
