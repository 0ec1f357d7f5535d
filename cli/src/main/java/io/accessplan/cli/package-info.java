/**
 * The {@code ./accessplan} command line: one picocli command per stage of the data flow
 * (plan, sweep, train, evaluate, recommend, batch) and the end-to-end demo. Bad input is one line
 * on standard error and exit code 2.
 */
package io.accessplan.cli;
