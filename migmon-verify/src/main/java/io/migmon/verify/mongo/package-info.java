/**
 * Collection verification on the MongoDB reactive-streams driver: {@link io.migmon.verify.mongo.MongoCollectionVerifier}.
 */
package io.migmon.verify.mongo;
