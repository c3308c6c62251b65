export { default } from './matrix-module.js';
export { type MatrixConfig, matrixConfig } from './config.js';
