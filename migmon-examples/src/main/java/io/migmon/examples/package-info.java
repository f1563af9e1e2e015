/** Runnable demo of migmon on embedded defaults. */
package io.migmon.examples;
