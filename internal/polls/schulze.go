package polls

import "sort"

// Schulze ranks candidates 0..n-1 by the Schulze method: ballots give each candidate a
// score (higher is preferred; candidates missing from a ballot rank below all on it). It
// returns the candidates best first; candidates that beat equally many others keep their
// order.
func Schulze(n int, ballots []map[int]int) []int {
	// d[i][j]: how many voters prefer i to j.
	d := make([][]int, n)
	for i := range d {
		d[i] = make([]int, n)
	}
	for _, b := range ballots {
		for i := 0; i < n; i++ {
			ri, iok := b[i]
			for j := 0; j < n; j++ {
				if i == j {
					continue
				}
				rj, jok := b[j]
				if iok && (!jok || ri > rj) {
					d[i][j]++
				}
			}
		}
	}
	// p[i][j]: the strength of the strongest path from i to j.
	p := make([][]int, n)
	for i := range p {
		p[i] = make([]int, n)
		for j := 0; j < n; j++ {
			if i != j && d[i][j] > d[j][i] {
				p[i][j] = d[i][j]
			}
		}
	}
	for k := 0; k < n; k++ {
		for i := 0; i < n; i++ {
			if i == k {
				continue
			}
			for j := 0; j < n; j++ {
				if j == i || j == k {
					continue
				}
				p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
			}
		}
	}
	wins := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && p[i][j] > p[j][i] {
				wins[i]++
			}
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return wins[order[a]] > wins[order[b]] })
	return order
}
