% A 2-8-1 network in MATLAB's layout, fitted in Octave (or MATLAB) without any toolbox: random
% tansig units, the output layer by least squares, with the processing settings MATLAB's fitnet
% would have (removeconstantrows, then mapminmax). Run from the repository's top folder:
%   octave-cli --no-gui --quiet docs/matlab_fit.m
% writes weights.mat (the network) and data.mat (its inputs x1, 3 x 132) and prints the first
% three outputs; then: python run.py predict weights.mat data.mat --matlab --out p2.csv
d = csvread('data/airline_passengers.csv', 1, 1)';
x1 = [d(12:end-1); d(1:end-12); ones(1, 132)];   % rows: y[t-1], y[t-12], a constant 1
t = d(13:end);
x1_step1_keep = [1 2]; x1_step1_xrows = 3;        % removeconstantrows drops row 3
xk = x1(x1_step1_keep, :);
x1_step2_xoffset = min(xk, [], 2); x1_step2_ymin = -1;
x1_step2_gain = 2 ./ (max(xk, [], 2) - x1_step2_xoffset);
y1_step1_xoffset = min(t); y1_step1_gain = 2 / (max(t) - min(t)); y1_step1_ymin = -1;
xp = (xk - x1_step2_xoffset) .* x1_step2_gain + x1_step2_ymin;
rand('seed', 1); IW1_1 = 2*rand(8, 2) - 1; b1 = 2*rand(8, 1) - 1;
a1 = 2 ./ (1 + exp(-2*(IW1_1*xp + b1))) - 1;     % tansig
w = [a1; ones(1, 132)]' \ ((t - y1_step1_xoffset) * y1_step1_gain - 1)';
LW2_1 = w(1:8)'; b2 = w(9);
y = (LW2_1*a1 + b2 - y1_step1_ymin) / y1_step1_gain + y1_step1_xoffset;
save('-v7', 'weights.mat', 'IW1_1', 'b1', 'LW2_1', 'b2', 'x1_step1_keep', 'x1_step1_xrows', ...
     'x1_step2_xoffset', 'x1_step2_gain', 'x1_step2_ymin', 'y1_step1_xoffset', ...
     'y1_step1_gain', 'y1_step1_ymin');
save('-v7', 'data.mat', 'x1');
printf('%.15g %.15g %.15g\n', y(1:3));
