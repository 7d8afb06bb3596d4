# The report's plots; report.sh sets data (a folder of .dat files), out and
# terminal (svg or pngcairo).
extension = terminal eq 'svg' ? '.svg' : '.png'
set terminal @terminal size 800,480 font ',11'
set grid
set key top left

set output out.'/append_in_flight'.extension
set title 'Durable appends (sync) against appends in flight, one thread'
set xlabel 'appends in flight'
set ylabel 'events per second'
set logscale x 2
set yrange [0:*]
set format y '%.0s%c'
plot data.'/in_flight.dat' using 1:3 with linespoints lw 2 title 'Cairn (AppendAsync)', \
     data.'/in_flight.dat' using 1:2 with linespoints lw 2 dt 2 title 'raw RocksDB (WriteBatch of N, sync)'
unset logscale x

set output out.'/latency_percentiles'.extension
set title 'Latency percentiles, sync durability'
set xlabel 'percentile'
set ylabel 'milliseconds'
set format y '%g'
set yrange [0.1:*]
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
plot data.'/latency.dat' using 2:xtic(1) title 'append, issued to acknowledged (64 in flight)', \
     data.'/latency.dat' using 3 title 'append to visible in order\_summary (1,000 events/s)'
unset logscale y
unset style

set output out.'/sagas_gateway_latency'.extension
set title 'Fulfillment sagas per second against the payment gateway''s latency (1,000 in flight)'
set xlabel 'gateway latency (ms)'
set ylabel 'sagas per second'
set yrange [0:*]
set key bottom right
set style data linespoints
plot data.'/sagas.dat' using 1:3 with linespoints lw 2 title 'Cairn sagas', \
     data.'/sagas.dat' using 1:2 with linespoints lw 2 dt 2 title 'baseline: the same appends, AppendAsync'
