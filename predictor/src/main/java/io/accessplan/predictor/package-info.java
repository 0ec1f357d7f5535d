/** accessplan predictor. */
package io.accessplan.predictor;
