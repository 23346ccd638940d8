package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Uploads is the private bucket the API keeps uploaded files in: the task role may read, write
// and delete its objects and list them, and the app finds its name in UPLOADS_BUCKET.
type Uploads struct {
	pulumi.ResourceState
}

// declareUploads declares the uploads bucket and grants the service its use. With forceDelete
// (the dev stack) pulumi destroy deletes it with the files in it; otherwise it stays, files and all.
func declareUploads(ctx *pulumi.Context, name string, cfg *stackConfig, t *target) (Grant, error) {
	u := &Uploads{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Uploads"), name, u, t.opts()); err != nil {
		return Grant{}, err
	}
	bucket, err := newPrivateBucket(ctx, name, privateBucketArgs{
		NamePrefix:   t.prefix,
		Use:          "uploads",
		ForceDestroy: cfg.ForceDelete,
	}, pulumi.Parent(u))
	if err != nil {
		return Grant{}, err
	}
	if err := ctx.RegisterResourceOutputs(u, pulumi.Map{"bucketName": bucket.Name}); err != nil {
		return Grant{}, err
	}
	return Grant{
		Allow: []Permission{
			{
				Sid:       "ReadWriteUploads",
				Actions:   []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", bucket.ARN)},
			},
			{
				Sid:       "ListUploads",
				Actions:   []string{"s3:ListBucket"},
				Resources: pulumi.StringArray{bucket.ARN},
			},
		},
		Env: pulumi.StringMap{"UPLOADS_BUCKET": bucket.Name},
	}, nil
}
