/** The MongoDB part of the demo: versioned migrations through migmon-mongo on an in-process server. */
package io.migmon.examples.mongo;
