/** Implementation of migmon-mongo; not API, may change without notice. */
package io.migmon.mongo.internal;
