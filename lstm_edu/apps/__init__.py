"""The Applications part of the book: one module per application.

========================  ==========================================================
module                    what it holds
========================  ==========================================================
``forecasting``           sunspots loader, random walk, naive / seasonal-naive / AR
                          baselines, an LSTM forecaster, multi-horizon evaluation
``text_generation``       standard-library corpus, character n-gram baseline, a
                          character LSTM, temperature sampling, quote/bracket/indent
                          indicators and the cell-activation view
``sentiment``             generated sentences with negation and "but" clauses, a
                          bag-of-words logistic regression, an LSTM classifier
``translation``           number words <-> digits, a seq2seq encoder-decoder, a
                          nearest-neighbour baseline
``speech``                synthetic "vowel" audio, log spectrograms, a CTC model,
                          a frame-template baseline, edit distance
``anomaly``               El Nino sea-surface temperatures, a seeded anomaly injector,
                          rolling / climatology z-scores, precision and recall
========================  ==========================================================

Every data set is offline: bundled with statsmodels, shipped with Python, or generated
by tested code in these modules.
"""
