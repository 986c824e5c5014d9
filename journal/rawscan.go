package journal

import "context"

// rawScan calls fn with copies of every key/value of bucket, in pages of
// short read transactions (a long read transaction would stall ingest when
// the file grows).
func (j *Journal) rawScan(ctx context.Context, bucket string, fn func(k, v []byte) error) error {
	var seek []byte
	for {
		var ks, vs [][]byte
		err := j.view(func(tx Tx) error {
			c := tx.Cursor(bucket)
			k, v := c.Seek(seek)
			if seek != nil && k != nil && string(k) == string(seek) {
				k, v = c.Next()
			}
			for ; k != nil && len(ks) < 1024; k, v = c.Next() {
				ks = append(ks, append([]byte(nil), k...))
				vs = append(vs, append([]byte(nil), v...))
			}
			return nil
		})
		if err != nil || len(ks) == 0 {
			return err
		}
		for i := range ks {
			if err := fn(ks[i], vs[i]); err != nil {
				return err
			}
		}
		seek = ks[len(ks)-1]
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}
